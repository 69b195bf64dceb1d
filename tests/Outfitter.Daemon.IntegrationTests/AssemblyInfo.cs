// The integration tests exercise the real Linux adapters (/proc, open-file-description locks, FIFOs, signals).
// CI runs on Linux; see docs/adr/0002-single-instance-locking.md for what macOS and Windows rely on.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
