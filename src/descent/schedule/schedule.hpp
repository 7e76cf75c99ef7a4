// Every learning-rate schedule in one include.
#pragma once
#include "descent/schedule/compose.hpp"
#include "descent/schedule/cosine.hpp"
#include "descent/schedule/cyclic.hpp"
#include "descent/schedule/decay.hpp"
#include "descent/schedule/functions.hpp"
#include "descent/schedule/lambda.hpp"
#include "descent/schedule/one_cycle.hpp"
#include "descent/schedule/plateau.hpp"
#include "descent/schedule/scheduler.hpp"
#include "descent/schedule/series.hpp"
#include "descent/schedule/spec.hpp"
#include "descent/schedule/swa.hpp"
