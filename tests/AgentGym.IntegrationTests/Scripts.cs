namespace AgentGym.IntegrationTests;

/// <summary>Python scripts the integration tests run in the sandbox.</summary>
internal static class Scripts
{
    /// <summary>A tiny next-character model trained for a few steps on a speedrun-format shard from /data, logging like the speedrun.</summary>
    public const string TinyTraining = """
        import glob, os, sys, time
        import numpy as np
        import torch, torch.nn as nn, torch.nn.functional as F

        torch.manual_seed(0)
        torch.set_num_threads(2)

        def load(pattern):
            path = sorted(glob.glob(pattern))[0]
            header = np.fromfile(path, dtype=np.int32, count=256)
            assert header[0] == 20240520 and header[1] == 1, header[:3]
            tokens = np.fromfile(path, dtype=np.uint16, offset=256 * 4, count=int(header[2]))
            return torch.from_numpy(tokens.astype(np.int64))

        train = load(os.environ["AGENTGYM_TRAIN_FILES"])
        val = load(os.environ["AGENTGYM_VAL_FILES"])
        V, T, B = 128, 32, 16
        model = nn.Sequential(nn.Embedding(V, 64), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, V))
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)

        def batch(data):
            ix = torch.randint(0, len(data) - T - 1, (B,))
            x = torch.stack([data[i:i + T] for i in ix])
            y = torch.stack([data[i + 1:i + T + 1] for i in ix])
            return x, y

        steps = int(os.environ.get("STEPS", "30"))
        train_ms = 0.0
        print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
        for step in range(1, steps + 1):
            t0 = time.perf_counter()
            x, y = batch(train)
            loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            train_ms += (time.perf_counter() - t0) * 1000
            print(f"step:{step}/{steps} train_loss:{loss.item():.4f} train_time:{train_ms:.0f}ms step_avg:{train_ms / step:.2f}ms")
            if step % 10 == 0:
                with torch.no_grad():
                    x, y = batch(val)
                    vl = F.cross_entropy(model(x).view(-1, V), y.view(-1)).item()
                print(f"step:{step}/{steps} val_loss:{vl:.4f} train_time:{train_ms:.0f}ms step_avg:{train_ms / step:.2f}ms")
        traced = torch.jit.trace(model, x)
        traced.save(os.path.join(os.environ["AGENTGYM_OUTPUT_DIR"], "model.pt"))
        print("saved model")
        """;

    /// <summary>Prints fixed speedrun metric lines (no torch), for comparing backends.</summary>
    public const string FixedMetrics = """
        import os
        for step in range(1, 21):
            print(f"step:{step}/20 train_loss:{5.0 - step * 0.1:.4f} train_time:{step * 12}ms step_avg:12.00ms")
            if step % 5 == 0:
                print(f"step:{step}/20 val_loss:{5.05 - step * 0.1:.4f} train_time:{step * 12}ms step_avg:12.00ms")
        print("noise line that is not a metric")
        with open(os.path.join(os.environ["AGENTGYM_OUTPUT_DIR"], "done.txt"), "w") as f:
            f.write("done")
        """;

    /// <summary>Writes a speedrun-format shard: 256 int32 header (magic, version, count) then uint16 tokens.</summary>
    public static void WriteShard(string path, ReadOnlySpan<char> text)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        var header = new int[256];
        header[0] = 20240520;
        header[1] = 1;
        header[2] = text.Length;
        foreach (var h in header) writer.Write(h);
        foreach (var c in text) writer.Write((ushort)(c & 0x7F));
    }

    public static string Corpus(int repeats)
    {
        const string verse = "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer the slings and arrows of outrageous fortune, or to take arms against a sea of troubles. ";
        return string.Concat(Enumerable.Repeat(verse, repeats));
    }
}
