# Read by ctest after the discovered tests (TEST_INCLUDE_FILES): the tests that are slow or need
# something from outside the build (MNIST's download, PyTorch, NumPy, Chromium, the
# dataset-fashion-mnist package) get the labels `slow` and `external` beside their folder's, and
# a longer timeout than the rest's 120 seconds (all times DESCENT_TEST_TIMEOUT_SCALE, from
# tests/CMakeLists.txt, in Debug builds). `ctest -LE external` runs what needs nothing
# installed; `ctest -LE slow` the quick part. (set_tests_properties passes over a name that is
# not there, such as a test of a program that was not built.)
function(descent_label_tests folder labels timeout)
  math(EXPR scaled_timeout "${timeout} * ${DESCENT_TEST_TIMEOUT_SCALE}")
  foreach(test IN LISTS ARGN)
    set_tests_properties(${test} PROPERTIES LABELS "${folder};${labels}" TIMEOUT ${scaled_timeout})
  endforeach()
endfunction()

# Minutes under the sanitizers: a whole MNIST epoch, PyTorch's own run, an exhaustive float sweep.
descent_label_tests(cli "slow;external" 900 ToPytorch.SameTestAccuracyInPyTorch TrainCli.OneMnistEpoch
                    ModelsCli.LeNetWeightsRoundTripThroughPyTorch)
descent_label_tests(kernels slow 600 Exp.WithinOneUlpOverTheFiniteRange)
descent_label_tests(cpu_levels slow 600 Exp.WithinOneUlpOverTheFiniteRange.avx2
                    Exp.WithinOneUlpOverTheFiniteRange.baseline)
descent_label_tests(optim slow 600 Parallel.TwoThreadsGiveTheResultOfOne)
descent_label_tests(cli external 300 SummaryCli.LeNetOnMnist PredictTasksCli.Float64ConvNetOnMnist)
descent_label_tests(data external 300 Mnist.LoadsWhenFetched FashionMnist.LoadsFromDebianPackage)
descent_label_tests(io external 300 Safetensors.ReadByJsonAndNumpyOnly Safetensors.ReadsAFileWrittenByNumpy
                    Safetensors.ReadsHalfFloatsAndIntegersWrittenByNumpy)
descent_label_tests(viz external 300 Render.RosenbrockTrajectories Render.RosenbrockAnimated
                    Render.DivergingPathAndLineContours Render.LossAndAccuracyOfTwoRuns Render.LogScaleLossWithNaN
                    Render.RealOptimizersOnRosenbrock Render.OneCycleSchedule Render.UndefinedRegionIsGrey)
descent_label_tests(compare external 300 CompareCli.RunsAndPrintsTheTable)
descent_label_tests(landscape external 300 LandscapeCli.TrainedRunAndBadInput)
descent_label_tests(mpi "slow;external" 900 DataParallel.TwoAndFourRanksEqualOneProcessAfterAnMnistEpoch)
descent_label_tests(mpi "" 300 DataParallel.TwoRanksEqualOneProcessInFloat64
                    DataParallel.RepeatsBitForBitAndTinyBucketsChangeNothing
                    DataParallel.KilledRankEndsTheJobAndResumeContinuesIt)
