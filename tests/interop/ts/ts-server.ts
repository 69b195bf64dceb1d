// The reference IPC server (@outfitter/daemon 0.2.6, run by Bun) for the .NET interop tests.
// Usage: bun ts-server.ts SOCKET
// Prints "READY <SOCKET>" once listening; closes the server and exits 0 on SIGTERM or SIGINT.
import { createIpcServer } from "@outfitter/daemon";

const socketPath = process.argv[2];
if (!socketPath) {
  console.error("usage: bun ts-server.ts SOCKET");
  process.exit(2);
}

type Message = { type?: unknown; data?: unknown; ms?: unknown };

const server = createIpcServer(socketPath);
server.onMessage(async (raw) => {
  const msg = (raw ?? {}) as Message;
  switch (msg.type) {
    case "ping":
      return { pong: true };
    case "echo":
      return msg.data;
    case "delay":
      // Answers after `ms` milliseconds, so concurrent requests are answered out of order.
      await new Promise((resolve) => setTimeout(resolve, Number(msg.ms) || 0));
      return msg.data;
    case "fail":
      throw new Error("boom");
    case "nothing":
      // The handler returns undefined: JSON.stringify then drops "payload" from the reply line.
      return undefined;
    case "hang":
      // Never answers: the request stays pending until the connection goes away.
      return new Promise(() => {});
    default:
      throw new Error(`unknown type ${JSON.stringify(msg.type)}`);
  }
});

await server.listen();

const stop = async (signal: string) => {
  await server.close();
  console.error(`ts-server: ${signal}, closed ${socketPath}`);
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

console.log(`READY ${socketPath}`);
