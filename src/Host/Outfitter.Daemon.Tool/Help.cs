namespace Outfitter.Daemon.Tool;

/// <summary>Usage texts, one per command.</summary>
public static class Help
{
    /// <summary>The overview.</summary>
    public const string Overview = """
        outfitter-daemon — run a background daemon properly: single instance, local IPC, health checks.

        Usage: outfitter-daemon [options] <command> [options]

        Commands:
          run       Run a daemon in the foreground (prints READY <socket> when it accepts connections).
          start     Start the daemon in the background and wait until it answers; print its PID.
          stop      Ask the daemon to stop and wait until it has exited (--force: SIGKILL at the --timeout deadline).
          status    Show the daemon's PID, uptime, version, paths and request counters.
          health    Run its health checks. Exit 0 healthy, 1 unhealthy, 2 not running.
          ping      Check that it answers.
          send      Send one request payload (JSON) and print the reply.
          demo      Start a daemon, talk to it, show status and health, stop it.
          logs      Print the daemon's log (-n N lines, --follow to keep printing).
          paths     Show where NAME's socket, lock and log live.
          version   Print the tool's version (also --version).
          completion  Print a shell completion script: bash, zsh, fish or pwsh.

        Options (before or after the command; --opt value or --opt=value):
          -n, --name NAME       the daemon (default outfitter-daemon)
          -s, --socket PATH     any daemon speaking the protocol, including one written with the TypeScript package
          -t, --timeout SECONDS every command that talks to a daemon: ping, status, health 5 s, send 30 s,
                                start 30 s, stop 10 s (seconds, or a duration: 500ms, 2m)
          --json                machine-readable output, errors included
          -h, --help            this text, or a command's ('outfitter-daemon stop --help')
          --version             the tool's version

        Exit codes: 0 ok, 1 negative answer (unhealthy, error reply, stop timed out), 2 not running,
        3 failure (could not start, system or protocol error), 4 no reply within --timeout (the daemon accepts
        connections but does not answer: stopped or hung), 64 bad command line (a mistyped command or option gets
        a suggestion).
        Run 'outfitter-daemon <command> --help' for details.
        """;

    /// <summary>The first line of a command's entry in the overview (its description for completions).</summary>
    public static string Summary(string command)
    {
        var prefix = "  " + command + " ";
        var line = Overview.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? command : line[prefix.Length..].Trim();
    }

    /// <summary>The usage of one command, or null for an unknown one.</summary>
    public static string? For(string command) => command switch
    {
        "run" => """
            outfitter-daemon run [--name NAME] [--socket PATH] [--log-file PATH] [--log-format text|json]
                                 [--log-level LEVEL] [--log-max-size BYTES] [--log-files N]
                                 [--idle-timeout DURATION] [--exit-with-pid PID]
              Runs the daemon in the foreground: takes the lock (its file holds the PID), serves IPC with the built-in
              requests ping, echo, status, health, shutdown and lease, and prints "READY <socket>" once it accepts
              connections.
              With --log-file it logs to that file, rotated at --log-max-size (default 10M) keeping --log-files files
              (default 3: PATH, PATH.1, PATH.2), created with mode 0600. Each entry: timestamp, level, category, event
              id, message; --log-format json writes JSON lines. --log-level: trace, debug, information (default),
              warning, error, critical, none.
              --idle-timeout DURATION (15m, 30s, 2s, 500ms, 1h30m; a plain number is seconds): stop once nothing has
              happened for that long: no new connection, no request received or answered, no request in flight, no
              connection holding a lease ({"type":"lease"}, held until that connection closes). A connection that
              stays open but silent does not keep it alive. --exit-with-pid PID: stop when process PID exits (checked
              every second; a reused PID does not count as the same process). Both stop it as a shutdown request does.
              SIGTERM, SIGINT or SIGQUIT stop it gracefully (exit 0; 124 if shutdown timed out; a second signal exits at
              once). With --socket alone, the lock is <socket>.lock.
              Exit: 0 stopped cleanly (signal, shutdown request, idle, watched PID gone), 1 already running (the
              message names its PID), 3 could not start, 64 a bad option value.
            """,
        "start" => """
            outfitter-daemon start [--name NAME | --socket PATH] [--timeout SECONDS] [--replace] [--json]
                                   [--log-format text|json] [--log-level LEVEL] [--log-max-size BYTES] [--log-files N]
                                   [--idle-timeout DURATION] [--exit-with-pid PID]
              Starts the daemon detached (its own session), waits until it answers ping (default 30 s), and prints its
              PID. If it is already running, says so and exits 0 (the options then change nothing); with --replace, a
              running daemon whose version or build differs from this tool's (an upgrade was installed since it
              started) is stopped gracefully and started again (of several racing starts, one restarts it; the others
              connect to the new one). --idle-timeout and --exit-with-pid go to the daemon (see run): it stops by
              itself when idle, or when process PID exits. The daemon logs to daemon.log in its directory (see
              run for the log options; 'outfitter-daemon logs' prints it); what it writes on stdout and stderr goes to
              daemon.out beside it. If it dies while starting, prints its exit code and the last lines of both.
              Exit: 0 running, 3 failed.
            """,
        "stop" => """
            outfitter-daemon stop [--name NAME | --socket PATH] [--timeout SECONDS] [-f | --force] [--json]
              Asks the daemon to stop (IPC shutdown; SIGTERM to the lock owner if it does not answer) and waits until it
              has exited. --timeout is the budget of the whole stop (default 10 s): the shutdown request gets at most
              half of it, SIGTERM and the wait the rest; with --force, SIGKILL goes at the deadline and the daemon is
              gone within about a second after it. Only the verified holder of the lock is signalled (kernel lock held,
              recorded start time equal to the live process's); a PID that may have been reused is never signalled.
              Removes a stale lock file, only while holding its lock.
              Exit: 0 stopped or was not running, 1 still running after the timeout (without --force), or not signalled
              (the message says why), 3 a signal failed or it survived SIGKILL.
            """,
        "status" => """
            outfitter-daemon status [--name NAME | --socket PATH] [--timeout SECONDS] [--json]
              Shows the daemon's name, PID, state, uptime, version and paths (waits at most --timeout, default 5 s),
              and its live counters: requests answered, errors among them, open connections, requests in flight,
              protocol errors, lines refused as too large, connections accepted.
              Exit: 0 running, 2 not running, 3 an error reply or an answer that is not a status, 4 no reply in time.
            """,
        "health" => """
            outfitter-daemon health [--name NAME | --socket PATH] [--timeout SECONDS] [--json]
              Runs the daemon's health checks and shows each result. Usable as a container or systemd health probe: it
              ends within --timeout (default 5 s). Exit: 0 healthy, 1 unhealthy, 2 not running, 4 no reply in time.
            """,
        "ping" => """
            outfitter-daemon ping [--name NAME | --socket PATH] [--timeout SECONDS] [--json]
              Sends {"type":"ping"} and reports the round-trip time (waits at most --timeout, default 5 s).
              Exit: 0 answered, 2 not running, 4 no reply in time.
            """,
        "send" => """
            outfitter-daemon send '<json payload>' [--name NAME | --socket PATH] [--timeout SECONDS]
              Sends one request with the given payload, e.g. '{"type":"echo","data":42}', and prints the reply payload
              (waits at most --timeout, default 30 s). Exit: 0 answered, 1 error reply, 2 not running, 4 no reply in time,
              64 the payload is not JSON.
            """,
        "demo" => """
            outfitter-daemon demo
              Starts a daemon in the background, pings it, echoes, shows its status and health, shows a second instance
              being refused, and stops it. Needs nothing else running. Exit: 0 if every step worked.
            """,
        "paths" => """
            outfitter-daemon paths [--name NAME | --socket PATH] [--json]
              Shows the socket, lock and log paths for NAME on this machine.
              Exit: 0, or 64 for an invalid name.
            """,
        "logs" => """
            outfitter-daemon logs [--name NAME | --socket PATH] [-n | --lines N] [-f | --follow]
              Prints the last N lines (default 20) of the daemon's log (daemon.log, written by a daemon that
              'start' started). With --follow, keeps printing new lines, across rotations, until interrupted.
              Exit: 0, 2 no log yet (the daemon was never started there), 64 bad N.
            """,
        "version" => """
            outfitter-daemon version [--json]
              Prints the tool's version (the same as --version). Exit: 0.
            """,
        "help" => """
            outfitter-daemon help [COMMAND]
              Prints the overview, or the usage of COMMAND (the same as 'outfitter-daemon COMMAND --help'). Exit: 0.
            """,
        "completion" => """
            outfitter-daemon completion bash|zsh|fish|pwsh
              Prints a completion script for the shell; it asks the tool for completions as you type (commands,
              options, option values). Install, for example:
                bash:  outfitter-daemon completion bash >> ~/.bashrc
                zsh:   outfitter-daemon completion zsh >> ~/.zshrc
                fish:  outfitter-daemon completion fish > ~/.config/fish/completions/outfitter-daemon.fish
                pwsh:  outfitter-daemon completion pwsh >> $PROFILE
              Exit: 0, 64 an unknown shell.
            """,
        _ => null,
    };
}
