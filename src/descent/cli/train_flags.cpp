// The flags of a training run, bound once for `descent train` and `descent compare`.
#include "descent/cli/train_flags.hpp"

namespace descent::cli {
namespace {

// The loss and its settings; multi-label data takes binary cross-entropy unless --loss says otherwise.
void add_loss_flags(CLI::App& app, TrainConfig& c) {
  const CLI::Option* loss_flag =
      app.add_option("--loss", c.loss,
                     "cross_entropy, bce (binary cross-entropy on logits: the default for --task multilabel; "
                     "for classification, one sigmoid unit per class against one-hot targets), mse, l1 or huber "
                     "(nll is refused: these models end in logits, not the log-probabilities it takes; "
                     "cross_entropy is log_softmax + nll)")
          ->capture_default_str();
  app.add_option("--label-smoothing", c.label_smoothing,
                 "cross_entropy against (1 - F) one-hot + F / classes, F in [0, 1) (torch.nn.CrossEntropyLoss)")
      ->capture_default_str();
  app.parse_complete_callback([&c, loss_flag] {
    if (c.task == "multilabel" && loss_flag->count() == 0) c.loss = "bce";
  });
}

}  // namespace

void add_train_flags(CLI::App& app, TrainFlags& f) {
  TrainConfig& c = f.config;
  app.add_option("--data", c.data, "mnist, fashion-mnist, cifar10, or a PATH: a folder of IDX files or a CSV file")
      ->capture_default_str();
  app.add_option("--label-column", c.label_column,
                 "CSV: the label column, by header name or 0-based index (default: last)");
  app.add_option("--label-columns", c.label_columns,
                 "CSV: several 0/1 label columns for --task multilabel, a comma-separated list of header names, "
                 "0-based indices and index ranges, e.g. 0-4 or cat,dog");
  app.add_option("--task", c.task,
                 "what the labels are: classification (class indices 0..K-1), regression (targets) or multilabel "
                 "(several 0/1 labels, --label-columns; never inferred); infer decides from the labels and refuses "
                 "when they could be either")
      ->capture_default_str();
  app.add_flag("--overwrite", f.overwrite, "start clean in an --out folder that holds an earlier run (deletes it)");
  app.add_option("--dev-size", c.dev_size, "the last N training examples form the dev set")->capture_default_str();
  app.add_option("--scaling", c.scaling,
                 "input scaling fitted on the training part: none, unit ([0,1]) or standard (per channel for images)")
      ->capture_default_str();
  app.add_option("--augment", c.augment,
                 "augment each training example: crop:PADDING (random crop after zero padding) or flip[:p=P] "
                 "(random horizontal flip), applied in order (repeatable; images only)");
  app.add_option("--model", c.model, kModelFlagHelp)->capture_default_str();
  app.add_option("--activation", c.activation, "hidden activation: relu, leaky_relu, sigmoid, tanh, gelu")
      ->capture_default_str();
  app.add_option("--dropout", c.dropout, "dropout probability after each hidden activation")->capture_default_str();
  app.add_option("--init", c.init,
                 "weight init: default (torch's), xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal "
                 "(append :bias=VALUE for a constant bias), or nielsen (weights N(0, 1/n_in), biases N(0, 1), as "
                 "Nielsen's network2.py)")
      ->capture_default_str();
  app.add_flag("--batch-norm", c.batch_norm, "BatchNorm1d before each hidden activation (BatchNorm2d after each conv)");
  app.add_option("--init-from", c.init_from,
                 "start from these weights (a .safetensors file of the same model: best.safetensors of a run, or "
                 "scripts/from_pytorch.py's output); shapes are checked tensor by tensor");
  app.add_flag("--summary", c.summary, "print the model's layers (output shape, parameters, multiply-adds) first");
  add_loss_flags(app, c);
  app.add_option("--param-group", f.param_groups,
                 "PATTERN:key=value,... puts parameters whose name matches the glob in their own group, e.g. "
                 "'*.bias:weight_decay=0' (repeatable)");
  app.add_option("--schedule", c.schedule,
                 "learning-rate schedule spec, e.g. step:step_size=5,gamma=0.5 (see docs/schedules.md); 'cosine' alone "
                 "anneals to 0 over the whole run, 'constant' keeps the lr")
      ->capture_default_str();
  app.add_option("--schedule-per", c.schedule_per, "step the schedule per epoch or per batch")->capture_default_str();
  app.add_option("--l2", c.l2, "explicit L2 penalty lambda/2 * sum ||W||^2 on weight matrices, added to the loss")
      ->capture_default_str();
  app.add_option("--clip-grad-norm", c.clip_grad_norm, "clip the global gradient norm (0: off)")->capture_default_str();
  app.add_option("--accumulate-steps", c.accumulate_steps,
                 "step the optimizer every K minibatches with their mean gradient: batch size B with K steps trains "
                 "as batch size K*B (schedules count optimizer steps; checkpoints fall between steps)")
      ->capture_default_str();
  app.add_option("--skip-nonfinite", c.skip_nonfinite,
                 "skip the update of a batch whose gradient holds a NaN or an infinity (optax's apply_if_finite; the "
                 "skips are counted in metrics.jsonl), and stop as diverged after N in a row (0: off)")
      ->capture_default_str();
  app.add_option("--epochs", c.epochs, "number of epochs")->capture_default_str();
  app.add_option("--batch-size", c.batch_size, "minibatch size")->capture_default_str();
  app.add_flag("--drop-last", c.drop_last, "skip each epoch's last incomplete batch");
  app.add_option("--patience", c.patience, "early stopping: epochs without a better dev score (0: off)")
      ->capture_default_str();
  app.add_option("--random-labels", c.random_labels,
                 "replace this fraction of training labels with random ones (Zhang et al. 2017)")
      ->capture_default_str();
  app.add_option("--seed", c.seed, "seed for initialization, shuffling and dropout")->capture_default_str();
  app.add_option("--threads", c.threads, "threads for BLAS and parallel loops (0: one per core)")
      ->capture_default_str();
  app.add_option("--dtype", c.dtype, "float32 or float64: the data, the model and the optimizer state")
      ->capture_default_str();
  app.add_option("--bucket-mb", c.bucket_mb, "under mpirun: gradients travel in buckets of this many MiB")
      ->capture_default_str();
  app.add_flag("--sync-batch-norm", c.sync_batch_norm,
               "under mpirun: BatchNorm2d statistics over the whole batch, every rank's rows (torch.nn.SyncBatchNorm); "
               "default: each rank's own, as DDP; one process: no effect");
  app.add_flag("--quiet", c.quiet, "print only errors");
}

}  // namespace descent::cli
