#!/usr/bin/env bash
# The command-line parser choice (docs/adr/0015): three minimal Native AOT programs parse the same command line
# (`status --name foo --json` over the tool's ten commands) — no parser ("hello"), System.CommandLine 2.0.15, and
# ConsoleAppFramework 5.8.1 — and bench/oneshot.py times each process from spawn to exit, with its peak RSS.
#   bench/parser-choice.sh [RUNS]      # default 40 runs each, alternating
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-40}
work=$(mktemp -d "${TMPDIR:-/tmp}/parser-choice.XXXXXX")
echo "work dir: $work"
linker=""; [ -x /usr/bin/clang ] || linker="<CppCompilerAndLinker>gcc</CppCompilerAndLinker>"

project() { # name package-reference
  mkdir -p "$work/$1"
  cat >"$work/$1/$1.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings><PublishAot>true</PublishAot><InvariantGlobalization>true</InvariantGlobalization>$linker</PropertyGroup>
  <ItemGroup>$2</ItemGroup>
</Project>
EOF
}

project hello ""
echo 'if (args.Length > 2) System.Console.WriteLine("status");' >"$work/hello/Program.cs"

project scl '<PackageReference Include="System.CommandLine" Version="2.0.15" />'
cat >"$work/scl/Program.cs" <<'EOF'
using System.CommandLine;
var name = new Option<string>("--name", "-n") { Recursive = true };
var socket = new Option<string>("--socket", "-s") { Recursive = true };
var json = new Option<bool>("--json") { Recursive = true };
var timeout = new Option<string>("--timeout", "-t") { Recursive = true };
var root = new RootCommand("bench") { name, socket, json, timeout };
foreach (var c in new[] { "run", "start", "stop", "status", "health", "ping", "send", "demo", "paths", "logs" })
    root.Subcommands.Add(new Command(c));
var r = root.Parse(args);
if (r.Errors.Count == 0) Console.WriteLine($"{r.CommandResult.Command.Name} {r.GetValue(name)} {r.GetValue(json)}");
return r.Errors.Count;
EOF

project caf '<PackageReference Include="ConsoleAppFramework" Version="5.8.1" PrivateAssets="all" />'
cat >"$work/caf/Program.cs" <<'EOF'
using ConsoleAppFramework;
var app = ConsoleApp.Create();
app.Add<Cmds>();
app.Run(args);
public class Cmds
{
    public void Status(string name = "d", string? socket = null, bool json = false, string? timeout = null) => Console.WriteLine($"status {name} {json}");
    public void Start(string name = "d", string? socket = null, bool json = false, string? timeout = null) => Console.WriteLine("start");
    public void Stop(string name = "d", string? socket = null, bool json = false, string? timeout = null, bool force = false) => Console.WriteLine("stop");
    public void Ping(string name = "d", string? socket = null, bool json = false, string? timeout = null) => Console.WriteLine("ping");
    public void Health(string name = "d", string? socket = null, bool json = false, string? timeout = null) => Console.WriteLine("health");
    public void Send(string name = "d", string? socket = null, bool json = false, string? timeout = null) => Console.WriteLine("send");
    public void Run(string name = "d", string? socket = null) => Console.WriteLine("run");
    public void Paths(string name = "d", bool json = false) => Console.WriteLine("paths");
    public void Logs(string name = "d", int lines = 20, bool follow = false) => Console.WriteLine("logs");
    public void Demo() => Console.WriteLine("demo");
}
EOF

for p in hello scl caf; do
  dotnet publish "$work/$p" -c Release -r linux-x64 -o "$work/$p/out" -nologo -v q >"$work/$p.log" 2>&1 || { echo "publish of $p failed:"; tail -20 "$work/$p.log"; exit 1; }
done
ls -l "$work"/*/out/{hello,scl,caf} 2>/dev/null
python3 "$root/bench/oneshot.py" "$runs" \
  "no parser=$work/hello/out/hello status --name foo --json" \
  "System.CommandLine 2.0.15=$work/scl/out/scl status --name foo --json" \
  "ConsoleAppFramework 5.8.1=$work/caf/out/caf status --name foo --json"
