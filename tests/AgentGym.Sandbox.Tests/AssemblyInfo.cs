// The sandboxes run Linux processes and containers; the tests use Unix file modes freely.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
