using Outfitter.Daemon.Tool;

// Run socket continuations on the socket engine's thread instead of hopping to the thread pool: the built-in handlers
// never block, and the hop costs more than the work (see README, "Performance"). A value set by the user wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

return await Cli.RunAsync(args, Console.Out, Console.Error);
