// The spec grammar: parsing, nesting, the one rule for values, and the Fields binder.
#include "descent/spec/spec.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"

using namespace descent;

namespace {

// Expects `call` to throw ValueError whose message is one line containing every fragment.
template <class F>
void expect_refused(F call, const std::vector<std::string>& fragments) {
  try {
    call();
    ADD_FAILURE() << "accepted";
  } catch (const ValueError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const std::string& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << message << "' lacks '" << fragment << "'";
  }
}

void expect_parse_refused(const std::string& text, const std::vector<std::string>& fragments) {
  expect_refused([&] { spec::parse(text, "optimizer"); }, fragments);
}

spec::Arg arg_of(const std::string& text) { return spec::parse(text, "test").args.at(0); }

}  // namespace

TEST(SpecParse, NameOnly) {
  spec::Spec parsed = spec::parse("sgd", "optimizer");
  EXPECT_EQ(parsed.name, "sgd");
  EXPECT_TRUE(parsed.inner.empty());
  EXPECT_TRUE(parsed.args.empty());
  EXPECT_EQ(parsed.text, "sgd");
  EXPECT_EQ(parsed.what, "optimizer");
}

TEST(SpecParse, KeysAndPositionalValuesInOrder) {
  spec::Spec parsed = spec::parse("adam:lr=1e-3,betas=0.9/0.999,amsgrad", "optimizer");
  ASSERT_EQ(parsed.args.size(), 3u);
  EXPECT_EQ(parsed.args[0].key, "lr");
  EXPECT_EQ(parsed.args[0].value, "1e-3");
  EXPECT_EQ(parsed.args[1].value, "0.9/0.999");
  EXPECT_EQ(parsed.args[2].key, "");
  EXPECT_EQ(parsed.args[2].value, "amsgrad");
  EXPECT_EQ(spec::parse("mlp:256-128", "model").args[0].value, "256-128");
  EXPECT_EQ(spec::parse("crop:4,flip", "augmentation").args[1].value, "flip");
}

TEST(SpecParse, WhitespaceAroundTokensIsIgnored) {
  spec::Spec parsed = spec::parse("  lookahead ( sgd : lr = 0.1 ) : k = 5 ,alpha= 0.5 ", "optimizer");
  EXPECT_EQ(parsed.name, "lookahead");
  EXPECT_EQ(parsed.inner.at(0).name, "sgd");
  EXPECT_EQ(parsed.inner[0].args.at(0).value, "0.1");
  EXPECT_EQ(parsed.args.at(1).key, "alpha");
  EXPECT_EQ(parsed.args[1].value, "0.5");
  EXPECT_EQ(parsed.text, "lookahead ( sgd : lr = 0.1 ) : k = 5 ,alpha= 0.5");
  EXPECT_EQ(parsed.inner[0].text, "sgd : lr = 0.1");
}

TEST(SpecParse, NestsToAnyDepth) {
  spec::Spec parsed = spec::parse("lookahead(lookahead(sgd:lr=1e-3):k=5):k=3", "optimizer");
  EXPECT_EQ(parsed.args.at(0).value, "3");
  const spec::Spec& middle = parsed.inner.at(0);
  EXPECT_EQ(middle.name, "lookahead");
  EXPECT_EQ(middle.args.at(0).value, "5");
  EXPECT_EQ(middle.text, "lookahead(sgd:lr=1e-3):k=5");
  const spec::Spec& innermost = middle.inner.at(0);
  EXPECT_EQ(innermost.name, "sgd");
  EXPECT_EQ(innermost.args.at(0).value, "1e-3");
  EXPECT_EQ(innermost.what, "optimizer");
}

TEST(SpecParse, SeveralInnerSpecs) {
  spec::Spec parsed = spec::parse("chain(a:x=1,y=2,b:z=3,c(d),e)", "test");
  ASSERT_EQ(parsed.inner.size(), 4u);
  EXPECT_EQ(parsed.inner[0].args.size(), 2u);
  EXPECT_EQ(parsed.inner[1].name, "b");
  ASSERT_EQ(parsed.inner[1].args.size(), 1u);
  EXPECT_EQ(parsed.inner[2].name, "c");
  EXPECT_EQ(parsed.inner[2].inner.at(0).name, "d");
  EXPECT_TRUE(parsed.inner[2].args.empty());
  EXPECT_EQ(parsed.inner[3].name, "e");
  EXPECT_EQ(spec::parse("pair(a:x=1,e)", "test").inner.at(0).args.at(1).value, "e");  // a positional arg of a
  EXPECT_EQ(spec::parse("pair(a,b)", "test").inner.size(), 2u);
}

TEST(SpecParse, ValuesKeepTheirCharacters) {
  spec::Spec parsed = spec::parse("multistep:milestones=30;60;90,gamma=1e+5", "schedule");
  EXPECT_EQ(parsed.args[0].value, "30;60;90");
  EXPECT_EQ(parsed.args[1].value, "1e+5");
}

TEST(SpecParse, RefusesMalformedSpecs) {
  expect_parse_refused("", {"optimizer spec is empty"});
  expect_parse_refused("   ", {"empty"});
  expect_parse_refused("adam:lr=0.1,lr=0.2", {"'adam:lr=0.1,lr=0.2'", "key 'lr' is given twice"});
  expect_parse_refused("adam:lr=", {"expected a value after 'lr='"});
  expect_parse_refused("adam:", {"expected an argument at the end"});
  expect_parse_refused("adam:lr=0.1,", {"expected an argument"});
  expect_parse_refused("lookahead(sgd", {"expected ')'"});
  expect_parse_refused("sgd)", {"unexpected ')'"});
  expect_parse_refused("(sgd)", {"expected a name, found '('"});
  expect_parse_refused("sgd lr", {"unexpected 'lr'", "at character 5"});
  expect_parse_refused("adam:lr=1=2", {"unexpected '='"});
  expect_parse_refused("lookahead():k=5", {"expected a name, found ')'"});
}

TEST(SpecValues, Numbers) {
  spec::Spec parsed = spec::parse("s:a=1e-3,b=-2.5,c=7", "test");
  EXPECT_EQ(spec::to_number(parsed, parsed.args[0]), 1e-3);
  EXPECT_EQ(spec::to_number(parsed, parsed.args[1]), -2.5);
  EXPECT_EQ(spec::to_integer(parsed, parsed.args[2]), 7);
  EXPECT_EQ(spec::to_integer(parsed, arg_of("s:n=1e3")), 1000);
  EXPECT_EQ(spec::to_int(parsed, arg_of("s:n=-7")), -7);
  expect_refused([&] { spec::to_int(parsed, arg_of("s:n=3e9")); }, {"n='3e9'", "range of an int"});
}

TEST(SpecValues, RefusesWhatIsNotAFiniteNumber) {
  spec::Spec parsed = spec::parse("adam:lr=0.1x,eps=inf,b=nan,c=1e999,d=True,e=2.5", "optimizer");
  expect_refused([&] { spec::to_number(parsed, parsed.args[0]); },
                 {"optimizer spec 'adam:lr=0.1x", "lr='0.1x'", "not a number"});
  expect_refused([&] { spec::to_number(parsed, parsed.args[1]); }, {"eps='inf'", "not a finite number"});
  expect_refused([&] { spec::to_number(parsed, parsed.args[2]); }, {"b='nan'", "not a finite number"});
  expect_refused([&] { spec::to_number(parsed, parsed.args[3]); }, {"c='1e999'", "not a finite number"});
  expect_refused([&] { spec::to_number(parsed, parsed.args[4]); }, {"d='True'", "not a number"});
  expect_refused([&] { spec::to_integer(parsed, parsed.args[5]); }, {"e='2.5'", "not an integer"});
  EXPECT_TRUE(std::isinf(spec::to_number(parsed, parsed.args[1], spec::NonFinite::allow)));
}

TEST(SpecValues, BooleansAreTrueFalseOneZeroOnly) {
  spec::Spec parsed = spec::parse("s:a=true,b=1,c=false,d=0,e=True,f=yes", "test");
  EXPECT_TRUE(spec::to_bool(parsed, parsed.args[0]));
  EXPECT_TRUE(spec::to_bool(parsed, parsed.args[1]));
  EXPECT_FALSE(spec::to_bool(parsed, parsed.args[2]));
  EXPECT_FALSE(spec::to_bool(parsed, parsed.args[3]));
  expect_refused([&] { spec::to_bool(parsed, parsed.args[4]); }, {"e='True'", "true, false, 1 or 0"});
  expect_refused([&] { spec::to_bool(parsed, parsed.args[5]); }, {"f='yes'"});
}

TEST(SpecValues, PairsAndLists) {
  spec::Spec parsed = spec::parse("s:betas=0.9/0.999,m=30;60;90,one=4,bad=0.9,worse=1/x,list=1;x", "test");
  EXPECT_EQ(spec::to_pair(parsed, parsed.args[0]), std::make_pair(0.9, 0.999));
  EXPECT_EQ(spec::to_integers(parsed, parsed.args[1]), (std::vector<int64_t>{30, 60, 90}));
  EXPECT_EQ(spec::to_numbers(parsed, parsed.args[2]), std::vector<double>{4});
  expect_refused([&] { spec::to_pair(parsed, parsed.args[3]); }, {"bad='0.9'", "pair of numbers a/b"});
  expect_refused([&] { spec::to_pair(parsed, parsed.args[4]); }, {"worse='1/x'", "holds 'x'", "not a number"});
  expect_refused([&] { spec::to_numbers(parsed, parsed.args[5]); }, {"list='1;x'", "holds 'x'"});
}

TEST(SpecValues, UnknownKeyListsTheValidKeys) {
  spec::Spec parsed = spec::parse("adam:betass=0.9,4", "optimizer");
  expect_refused([&] { spec::unknown_key(parsed, parsed.args[0], {"lr", "betas"}); },
                 {"unknown key 'betass' for adam (valid: lr, betas)"});
  expect_refused([&] { spec::unknown_key(parsed, parsed.args[1], {"lr", "betas"}); },
                 {"'4' is not key=value", "lr, betas"});
}

namespace {

struct Options {
  double lr = 1e-3;
  int64_t steps = 0;
  int epochs = 3;
  bool nesterov = false;
  std::string mode = "min";
  std::vector<int64_t> milestones = {30, 60};
  std::pair<double, double> betas = {0.9, 0.999};
  std::optional<double> target;
};

const spec::Fields<Options>& fields() {
  static const spec::Fields<Options> table{
      {"lr", &Options::lr, "learning rate", {.low = 0, .low_open = true}},
      {"steps", &Options::steps, "number of steps", {.low = 1}, spec::kRequired},
      {"epochs", &Options::epochs, "number of epochs", {.low = 1}},
      {"nesterov", &Options::nesterov, "Nesterov momentum"},
      {"mode", &Options::mode, "min or max"},
      {"milestones", &Options::milestones, "steps at which to decay", {.low = 0}},
      {"betas", &Options::betas, "moment decay rates", {.low = 0, .high = 1, .high_open = true}},
      {"target", &Options::target, "where the warmup ends"},
  };
  return table;
}

Options read(const std::string& text) { return fields().read(spec::parse(text, "test")); }

}  // namespace

TEST(SpecFields, DefaultsComeFromTheMemberInitializers) {
  Options options = read("s:steps=5");
  EXPECT_EQ(options.lr, 1e-3);
  EXPECT_EQ(options.steps, 5);
  EXPECT_FALSE(options.nesterov);
  EXPECT_EQ(options.mode, "min");
  EXPECT_EQ(options.milestones, (std::vector<int64_t>{30, 60}));
  EXPECT_FALSE(options.target.has_value());
}

TEST(SpecFields, EveryKindOfMember) {
  Options options = read("s:lr=0.5,steps=7,epochs=2,nesterov=true,mode=max,milestones=1;2;3,betas=0.5/0.6,target=2");
  EXPECT_EQ(options.lr, 0.5);
  EXPECT_EQ(options.steps, 7);
  EXPECT_EQ(options.epochs, 2);
  EXPECT_TRUE(options.nesterov);
  EXPECT_EQ(options.mode, "max");
  EXPECT_EQ(options.milestones, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(options.betas, std::make_pair(0.5, 0.6));
  EXPECT_EQ(options.target, 2.0);
}

TEST(SpecFields, RefusesUnknownMissingAndOutOfRange) {
  expect_refused([] { read("s:steps=5,lrr=1"); },
                 {"unknown key 'lrr' for s (valid: lr, steps, epochs, nesterov, mode, milestones, betas, target)"});
  expect_refused([] { read("s:5"); }, {"'5' is not key=value"});
  expect_refused([] { read("s:lr=0.1"); }, {"test spec 's:lr=0.1'", "missing key 'steps' (number of steps)"});
  expect_refused([] { read("s:steps=5,lr=0"); }, {"lr=0 is out of range", "(0, inf)"});
  expect_refused([] { read("s:steps=0"); }, {"steps=0", "[1, inf)"});
  expect_refused([] { read("s:steps=5,betas=0.9/1"); }, {"betas=0.9/1", "[0, 1)"});
  expect_refused([] { read("s:steps=5,milestones=3;-1"); }, {"milestones=3;-1", "[0, inf)"});
  expect_refused([] { read("s:steps=5,nesterov=yes"); }, {"nesterov='yes'", "not a boolean"});
}

TEST(SpecFields, HelpShowsEachDefault) {
  std::vector<spec::KeyHelp> help = fields().help();
  ASSERT_EQ(help.size(), 8u);
  EXPECT_EQ(help[0].key, "lr");
  EXPECT_EQ(help[0].default_value, "0.001");
  EXPECT_EQ(help[0].range, "(0, inf)");
  EXPECT_TRUE(help[1].required);
  EXPECT_EQ(help[2].default_value, "3");
  EXPECT_EQ(help[3].default_value, "false");
  EXPECT_EQ(help[3].range, "");
  EXPECT_EQ(help[5].default_value, "30;60");
  EXPECT_EQ(help[6].default_value, "0.9/0.999");
  EXPECT_EQ(help[7].default_value, "");
  EXPECT_EQ(spec::detail::show(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(spec::detail::show(0.1), "0.1");
}
