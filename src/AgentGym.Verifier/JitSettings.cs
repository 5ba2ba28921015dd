using System.Runtime.InteropServices;

namespace AgentGym.Verifier;

/// <summary>
/// Turns off TorchScript's graph-executor optimisation (Python: torch.jit.optimized_execution(False)). With it on,
/// the profiling executor re-profiles and re-optimises the graph for each new input shape over its first calls; the
/// verifier calls each model with only a few shapes a handful of times, so that work is pure overhead (it made the
/// tiny models' evaluation several times slower). TorchSharp does not expose the switch, so it is called in libtorch
/// directly; if the symbol is missing (another libtorch build), the default stays and the verdict says so.
/// </summary>
internal static partial class JitSettings
{
    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN5torch3jit24setGraphExecutorOptimizeEb")]
    private static partial void SetGraphExecutorOptimize([MarshalAs(UnmanagedType.U1)] bool optimize);

    public static string DisableOptimization()
    {
        try
        {
            SetGraphExecutorOptimize(false);
            return "unoptimized";
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return "default (" + ex.GetType().Name + ")";
        }
    }
}
