using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TorchSharpCompare;

// The seed models of shared/bench/torch_baseline.py, layer for layer, in TorchSharp (libtorch 2.10).

/// <summary>Liu Er lecture 9: 784-512-256-128-64-10 with ReLU.</summary>
internal sealed class TorchMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear l1 = nn.Linear(784, 512), l2 = nn.Linear(512, 256), l3 = nn.Linear(256, 128), l4 = nn.Linear(128, 64), l5 = nn.Linear(64, 10);

    public TorchMlp() : base(nameof(TorchMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = x.view(-1, 784);
        x = F.relu(l1.call(x));
        x = F.relu(l2.call(x));
        x = F.relu(l3.call(x));
        x = F.relu(l4.call(x));
        return l5.call(x);
    }
}

/// <summary>Lecture 10: conv(1,10,5) → pool → relu → conv(10,20,5) → pool → relu → fc(320,10).</summary>
internal sealed class TorchBasicCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d c1 = nn.Conv2d(1, 10, 5), c2 = nn.Conv2d(10, 20, 5);
    private readonly Linear fc = nn.Linear(320, 10);

    public TorchBasicCnn() : base(nameof(TorchBasicCnn)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        long b = x.size(0);
        x = F.relu(F.max_pool2d(c1.call(x), 2));
        x = F.relu(F.max_pool2d(c2.call(x), 2));
        return fc.call(x.view(b, -1));
    }
}

/// <summary>Lecture 11's InceptionA: 1×1 (16), 1×1 → 5×5 (24), 1×1 → 3×3 → 3×3 (24), avg-pool → 1×1 (24).</summary>
internal sealed class TorchInception : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d p1, b5a, b5b, b3a, b3b, b3c, bp;

    public TorchInception(long c) : base(nameof(TorchInception))
    {
        p1 = nn.Conv2d(c, 16, 1);
        b5a = nn.Conv2d(c, 16, 1);
        b5b = nn.Conv2d(16, 24, 5, padding: 2);
        b3a = nn.Conv2d(c, 16, 1);
        b3b = nn.Conv2d(16, 24, 3, padding: 1);
        b3c = nn.Conv2d(24, 24, 3, padding: 1);
        bp = nn.Conv2d(c, 24, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
        => torch.cat([p1.call(x), b5b.call(b5a.call(x)), b3c.call(b3b.call(b3a.call(x))),
            bp.call(F.avg_pool2d(x, 3, stride: 1, padding: 1))], 1);
}

/// <summary>Lecture 11a: conv(1,10,5) → pool → relu → Inception(10) → conv(88,20,5) → pool → relu → Inception(20) → fc(1408,10).</summary>
internal sealed class TorchInceptionCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d c1 = nn.Conv2d(1, 10, 5), c2 = nn.Conv2d(88, 20, 5);
    private readonly TorchInception i1 = new(10), i2 = new(20);
    private readonly Linear fc = nn.Linear(1408, 10);

    public TorchInceptionCnn() : base(nameof(TorchInceptionCnn)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        long b = x.size(0);
        x = F.relu(F.max_pool2d(c1.call(x), 2));
        x = i1.call(x);
        x = F.relu(F.max_pool2d(c2.call(x), 2));
        x = i2.call(x);
        return fc.call(x.view(b, -1));
    }
}

/// <summary>Lecture 11's residual block: relu(x + conv(relu(conv(x)))), 3×3, padding 1.</summary>
internal sealed class TorchResidual : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d a, b;

    public TorchResidual(long c) : base(nameof(TorchResidual))
    {
        a = nn.Conv2d(c, c, 3, padding: 1);
        b = nn.Conv2d(c, c, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => F.relu(x + b.call(F.relu(a.call(x))));
}

/// <summary>Lecture 11b: conv(1,16,5) → relu → pool → Res(16) → conv(16,32,5) → relu → pool → Res(32) → fc(512,10).</summary>
internal sealed class TorchResNetCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d c1 = nn.Conv2d(1, 16, 5), c2 = nn.Conv2d(16, 32, 5);
    private readonly TorchResidual r1 = new(16), r2 = new(32);
    private readonly Linear fc = nn.Linear(512, 10);

    public TorchResNetCnn() : base(nameof(TorchResNetCnn)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        long b = x.size(0);
        x = F.max_pool2d(F.relu(c1.call(x)), 2);
        x = r1.call(x);
        x = F.max_pool2d(F.relu(c2.call(x)), 2);
        x = r2.call(x);
        return fc.call(x.view(b, -1));
    }
}

/// <summary>Lecture 13 (torch_baseline.py's <c>GruClassifier</c>): Embedding(128, 100) → 2-layer bidirectional GRU(100, 100) over
/// [Seq, Batch] ids → Linear(200, 18) on cat(h_n[-1], h_n[-2]).</summary>
internal sealed class TorchGruClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Embedding e = nn.Embedding(128, 100);
    private readonly GRU g = nn.GRU(100, 100, numLayers: 2, bidirectional: true);
    private readonly Linear fc = nn.Linear(200, 18);

    public TorchGruClassifier() : base(nameof(TorchGruClassifier)) => RegisterComponents();

    public override Tensor forward(Tensor ids)
    {
        var (_, h) = g.call(e.call(ids));
        return fc.call(torch.cat([h[-1], h[-2]], 1));
    }
}
