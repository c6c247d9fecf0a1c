using System.Globalization;
using System.Reflection;
using System.Text;
using ShapeNet.Backends;
using ShapeNet.Optim;

namespace ShapeNet.Checkpoints;

/// <summary>
/// Saves and loads a network's state (its parameters and buffers), and optionally an optimizer's state, as a safetensors
/// file (docs/checkpoints.md). Parameters and buffers are stored under their exact PyTorch state-dict names
/// (<c>fc1.weight</c>, <c>bn1.running_mean</c>), so
/// <c>model.load_state_dict(safetensors.torch.load_file(path))</c> reads a file saved without an optimizer, and a
/// file PyTorch saved loads here.
/// </summary>
public static class Checkpoint
{
    /// <summary>The name prefix of optimizer state tensors: <c>optimizer.fc1.weight.exp_avg</c>.</summary>
    public const string OptimizerPrefix = "optimizer.";

    /// <summary>Metadata key of the optimizer's class name (<c>Adam</c>).</summary>
    public const string OptimizerTypeKey = "optimizer.type";

    /// <summary>Metadata key of the optimizer's <see cref="Optimizer.StepCount"/>.</summary>
    public const string OptimizerStepKey = "optimizer.step";

    /// <summary>Metadata key of the optimizer's <see cref="Optimizer.LearningRate"/>.</summary>
    public const string OptimizerLearningRateKey = "optimizer.lr";

    /// <summary>
    /// Writes every parameter of <paramref name="model"/> (float32, its PyTorch name and shape), then every buffer
    /// (BatchNorm's <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c>, also float32) and, when
    /// <paramref name="optimizer"/> is given, its state tensors as <c>optimizer.{parameter}.{state}</c> with the
    /// parameter's shape, and in the metadata its class (<c>optimizer.type</c>), step count (<c>optimizer.step</c>),
    /// learning rate (<c>optimizer.lr</c>) and other hyper-parameters (<c>optimizer.Momentum</c>, ...).
    /// <para>
    /// The write is atomic (<see cref="SafeTensors.Write"/>): a failure leaves a previous file at
    /// <paramref name="path"/> intact. Parameters and buffers are read from host memory; a plan
    /// on the CPU backend shares those arrays, but a plan on a device backend trains device copies, so call
    /// <see cref="NetworkPlan.CopyParametersToHost"/> before saving. Optimizer state is downloaded from the
    /// optimizer's backend.
    /// </para>
    /// </summary>
    /// <param name="path">The file to write (<c>.safetensors</c>); its folder is created when missing (<c>runs/</c>).</param>
    /// <param name="model">The network whose parameters and buffers are saved.</param>
    /// <param name="optimizer">The optimizer whose state is saved too, to resume training; null saves the model only.</param>
    /// <param name="metadata">Extra string metadata (epoch, notes); keys starting with <c>optimizer.</c> are reserved.</param>
    /// <example>
    /// <code>
    /// Checkpoint.Save("runs/mnist.safetensors", model);             // loads in PyTorch with load_state_dict
    /// Checkpoint.Save("runs/resume.safetensors", model, optimizer,
    ///     new Dictionary&lt;string, string&gt; { ["epoch"] = "3" });
    /// </code>
    /// </example>
    public static void Save(string path, Module model, Optimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder) Directory.CreateDirectory(folder);

        var tensors = new List<(string Name, Tensor Value)>();
        foreach (Parameter p in model.Parameters)
        {
            if (p.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Parameter '{p.Name}' starts with '{OptimizerPrefix}', which checkpoints reserve for optimizer state.", nameof(model));
            tensors.Add((p.Name, p.Value));
        }
        foreach (ModuleBuffer b in model.Buffers)
        {
            if (b.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Buffer '{b.Name}' starts with '{OptimizerPrefix}', which checkpoints reserve for optimizer state.", nameof(model));
            tensors.Add((b.Name, b.Value));
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"Metadata key '{key}' starts with '{OptimizerPrefix}', which checkpoints reserve for the optimizer.", nameof(metadata));
                meta[key] = value;
            }
        }

        if (optimizer is not null)
        {
            meta[OptimizerTypeKey] = optimizer.GetType().Name;
            meta[OptimizerStepKey] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
            meta[OptimizerLearningRateKey] = SafeTensors.Format(optimizer.LearningRate);
            foreach (var (name, value) in HyperParameters(optimizer)) meta[OptimizerPrefix + name] = value;

            Dictionary<string, int[]> shapes = SlotShapes(optimizer);
            foreach (var (key, buffer) in optimizer.State)
            {
                int[] shape = StateShape(shapes, key)
                    ?? throw new InvalidOperationException($"Optimizer state '{key}' belongs to no bound parameter.");
                var values = new float[Tensor.ElementCount(shape)];
                optimizer.Backend!.Download(buffer, values);
                tensors.Add((OptimizerPrefix + key, new Tensor(values, shape)));
            }
        }

        SafeTensors.Write(path, tensors, meta);
    }

    /// <summary>
    /// Copies the tensors of a checkpoint into <paramref name="model"/>'s existing parameter and buffer arrays in place (so a
    /// plan bound on the CPU sees the new values at once; on a device backend create the plan after loading) and,
    /// when <paramref name="optimizer"/> is given, uploads the optimizer state and restores its step count and
    /// learning rate.
    /// <para>
    /// The optimizer must already be bound (<c>optimizer.Bind(model.Parameters)</c> eagerly, or
    /// <c>plan.Configure(loss, optimizer)</c>), because binding allocates the state buffers the file is loaded into
    /// and a later binding to other buffers starts fresh. Its class and fixed hyper-parameters must match the file's;
    /// the learning rate is restored from the file. Optimizer tensors in the file are ignored when no optimizer is
    /// given.
    /// </para>
    /// <para>
    /// With <paramref name="strict"/> (the default) any missing, unexpected or mis-shaped tensor, or an optimizer
    /// mismatch, throws <see cref="CheckpointMismatchException"/> listing all of them, and nothing is modified.
    /// Otherwise the tensors that fit are loaded and the returned report lists the rest.
    /// </para>
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> is not bound.</exception>
    public static CheckpointLoadReport Load(string path, Module model, Optimizer? optimizer = null, bool strict = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        if (optimizer is not null && optimizer.Backend is null)
            throw new InvalidOperationException(
                $"Loading optimizer state from {path}: bind the {optimizer.GetType().Name} first (optimizer.Bind(model.Parameters), or plan.Configure), " +
                "so its state buffers exist.");

        IReadOnlyDictionary<string, Tensor> file = SafeTensors.Read(path, out IReadOnlyDictionary<string, string> metadata);

        var loaded = new List<string>();
        var missing = new List<string>();
        var unexpected = new List<string>();
        var mismatches = new List<CheckpointShapeMismatch>();
        var problems = new List<string>();
        var copies = new List<Action>();

        // Parameters, then buffers (running statistics), checked alike: each missing, mis-shaped or loadable tensor is noted,
        // and nothing is copied until every check has passed.
        var modelNames = new HashSet<string>(StringComparer.Ordinal);
        void Plan(string name, Tensor target)
        {
            modelNames.Add(name);
            if (!file.TryGetValue(name, out Tensor? value))
            {
                missing.Add(name);
            }
            else if (!value.ShapeSpan.SequenceEqual(target.ShapeSpan))
            {
                mismatches.Add(new CheckpointShapeMismatch(name, target.Shape, value.Shape));
            }
            else
            {
                loaded.Add(name);
                copies.Add(() => value.Data.AsSpan().CopyTo(target.Data));
            }
        }
        foreach (Parameter p in model.Parameters) Plan(p.Name, p.Value);
        foreach (ModuleBuffer b in model.Buffers) Plan(b.Name, b.Value);
        foreach (string name in file.Keys)
            if (!name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !modelNames.Contains(name))
                unexpected.Add(name);

        // Optimizer.
        if (optimizer is not null)
            PlanOptimizerLoad(optimizer, file, metadata, loaded, missing, unexpected, mismatches, problems, copies);

        var report = new CheckpointLoadReport(path, loaded, missing, unexpected, mismatches, problems);
        if (strict && !report.IsComplete) throw new CheckpointMismatchException(report);
        foreach (Action copy in copies) copy();
        return report;
    }

    private static void PlanOptimizerLoad(Optimizer optimizer, IReadOnlyDictionary<string, Tensor> file, IReadOnlyDictionary<string, string> metadata,
        List<string> loaded, List<string> missing, List<string> unexpected, List<CheckpointShapeMismatch> mismatches, List<string> problems, List<Action> copies)
    {
        string type = optimizer.GetType().Name;
        if (!metadata.TryGetValue(OptimizerTypeKey, out string? fileType))
        {
            problems.Add($"the file holds no optimizer state (no '{OptimizerTypeKey}' metadata), but a {type} was given");
            foreach (string key in optimizer.State.Keys) missing.Add(OptimizerPrefix + key);
            return;
        }
        if (fileType != type)
        {
            problems.Add($"the file holds {fileType} state, but the optimizer is a {type}; its state was not loaded");
            return;
        }

        foreach (var (name, value) in HyperParameters(optimizer))
        {
            if (!metadata.TryGetValue(OptimizerPrefix + name, out string? fileValue))
                problems.Add($"optimizer hyper-parameter {name} is missing from the file (the optimizer has {value})");
            else if (fileValue != value)
                problems.Add($"optimizer hyper-parameter {name} is {value} in the optimizer but {fileValue} in the file");
        }

        int? step = null;
        if (!metadata.TryGetValue(OptimizerStepKey, out string? stepText))
            problems.Add($"the optimizer step count ('{OptimizerStepKey}') is missing from the file");
        else if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out int s))
            problems.Add($"the optimizer step count '{stepText}' is not a non-negative integer");
        else
            step = s;

        float? lr = null;
        if (metadata.TryGetValue(OptimizerLearningRateKey, out string? lrText))
        {
            if (float.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out float parsed) && parsed >= 0f)
                lr = parsed;
            else
                problems.Add($"the optimizer learning rate '{lrText}' is not a non-negative number");
        }

        IBackend backend = optimizer.Backend!;
        Dictionary<string, int[]> shapes = SlotShapes(optimizer);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, buffer) in optimizer.State)
        {
            string name = OptimizerPrefix + key;
            expected.Add(name);
            int[] shape = StateShape(shapes, key) ?? throw new InvalidOperationException($"Optimizer state '{key}' belongs to no bound parameter.");
            if (!file.TryGetValue(name, out Tensor? value))
            {
                missing.Add(name);
            }
            else if (!value.ShapeSpan.SequenceEqual(shape))
            {
                mismatches.Add(new CheckpointShapeMismatch(name, shape, value.Shape));
            }
            else
            {
                loaded.Add(name);
                DeviceBuffer target = buffer;
                copies.Add(() => backend.Upload(value.Data, target));
            }
        }
        foreach (string name in file.Keys)
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !expected.Contains(name))
                unexpected.Add(name);

        if (step is int restoredStep) copies.Add(() => optimizer.StepCount = restoredStep);
        if (lr is float restoredLr) copies.Add(() => optimizer.LearningRate = restoredLr);
    }

    /// <summary>The optimizer's fixed hyper-parameters (public float, int and bool properties other than the
    /// learning rate and step count), formatted invariantly, by property name.</summary>
    internal static IEnumerable<(string Name, string Value)> HyperParameters(Optimizer optimizer)
    {
        foreach (PropertyInfo property in optimizer.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (property.Name is nameof(Optimizer.LearningRate) or nameof(Optimizer.StepCount) || property.GetIndexParameters().Length != 0) continue;
            object? value = property.GetValue(optimizer);
            string? text = value switch
            {
                float f => SafeTensors.Format(f),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                int i => i.ToString(CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                _ => null,
            };
            if (text is not null) yield return (property.Name, text);
        }
    }

    private static Dictionary<string, int[]> SlotShapes(Optimizer optimizer)
    {
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (parameter, _, _) in optimizer.Slots) shapes[parameter.Name] = parameter.Shape;
        return shapes;
    }

    // State keys are "parameter name" + "." + a dot-free PyTorch state key.
    private static int[]? StateShape(Dictionary<string, int[]> shapes, string key)
    {
        int dot = key.LastIndexOf('.');
        return dot > 0 && shapes.TryGetValue(key[..dot], out int[]? shape) ? shape : null;
    }
}

/// <summary>A tensor whose shape in the checkpoint differs from the model's (or the optimizer state's).</summary>
public sealed record CheckpointShapeMismatch(string Name, int[] ModelShape, int[] FileShape)
{
    /// <summary><c>fc1.weight is [512, 784] in the model but [256, 784] in the file</c>.</summary>
    public override string ToString() =>
        $"{Name} is {Tensor.ShapeText(ModelShape)} in the model but {Tensor.ShapeText(FileShape)} in the file";
}

/// <summary>What <see cref="Checkpoint.Load"/> loaded and what did not fit.</summary>
public sealed class CheckpointLoadReport
{
    internal CheckpointLoadReport(string path, IReadOnlyList<string> loaded, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<CheckpointShapeMismatch> shapeMismatches, IReadOnlyList<string> optimizerProblems)
    {
        Path = path;
        Loaded = loaded;
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatches = shapeMismatches;
        OptimizerProblems = optimizerProblems;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>Tensors copied (in strict mode: that would have been copied) into the model or optimizer.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>Model parameters and buffers (and optimizer state, <c>optimizer.…</c>) the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Tensors of the file the model (or the given optimizer) has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Tensors present on both sides with different shapes.</summary>
    public IReadOnlyList<CheckpointShapeMismatch> ShapeMismatches { get; }

    /// <summary>Optimizer class, hyper-parameter or step-count mismatches.</summary>
    public IReadOnlyList<string> OptimizerProblems { get; }

    /// <summary>True when everything matched and was loaded.</summary>
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0 && OptimizerProblems.Count == 0;

    /// <summary><c>missing: fc3.bias; unexpected: fc6.weight; shape: fc1.weight is [512, 784] in the model but [256, 784] in the file</c>.</summary>
    public override string ToString()
    {
        if (IsComplete) return $"all {Loaded.Count} tensors loaded";
        var parts = new List<string>();
        if (Missing.Count > 0) parts.Add("missing: " + string.Join(", ", Missing));
        if (Unexpected.Count > 0) parts.Add("unexpected: " + string.Join(", ", Unexpected));
        if (ShapeMismatches.Count > 0) parts.Add("shape: " + string.Join(", ", ShapeMismatches));
        if (OptimizerProblems.Count > 0) parts.Add("optimizer: " + string.Join(", ", OptimizerProblems));
        return string.Join("; ", parts);
    }
}

/// <summary>Thrown by a strict <see cref="Checkpoint.Load"/> when the file does not match the model or optimizer;
/// lists every missing, unexpected and mis-shaped tensor at once. Nothing was loaded.</summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>An exception whose message lists every problem of <paramref name="report"/>.</summary>
    public CheckpointMismatchException(CheckpointLoadReport report)
        : base(BuildMessage(report)) => Report = report;

    /// <summary>What matched and what did not.</summary>
    public CheckpointLoadReport Report { get; }

    private static string BuildMessage(CheckpointLoadReport report)
    {
        var text = new StringBuilder();
        text.Append($"Checkpoint {report.Path} does not match: {report}. ");
        text.Append("Nothing was loaded; pass strict: false to load the tensors that fit.");
        return text.ToString();
    }
}
