// The reference IPC client (@outfitter/daemon 0.2.6, run by Bun) against a .NET daemon that speaks protocol 2.
// Usage: bun ts-client-v2.ts SOCKET
// The reference client knows nothing of the extensions: it must see only the reference's messages (a response or an
// error for each of its requests, nothing else carrying their ids) and can still ask for hello as an ordinary message.
// Prints one JSON line with what it observed and exits 0; on any mismatch prints "MISMATCH ..." on stderr and exits 1.
import { createIpcClient } from "@outfitter/daemon";

const socketPath = process.argv[2];
if (!socketPath) {
  console.error("usage: bun ts-client-v2.ts SOCKET");
  process.exit(2);
}

const problems: string[] = [];
const withDeadline = <T>(what: string, promise: Promise<T>, ms = 10_000): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))]);

const client = createIpcClient(socketPath);
await client.connect();

// Ordinary requests, many at once: every one is answered (an event or any other message with their id would leave one
// pending forever, which the deadline turns into a failure).
const many = await withDeadline(
  "40 concurrent",
  Promise.all(Array.from({ length: 40 }, (_, i) => client.send({ type: i % 2 ? "ping" : "status" }))),
);
if (many.length !== 40) problems.push(`concurrent: ${many.length} answers`);

// The handshake, sent as a message by a client that knows the extension exists.
const hello = (await withDeadline("hello", client.send({ type: "hello", protocol: 2, client: "ts-client-v2/1" }))) as Record<string, unknown>;
if (hello?.protocol !== 2) problems.push(`hello: protocol ${JSON.stringify(hello?.protocol)}`);
if (typeof hello?.version !== "string") problems.push("hello: no version");
if (typeof hello?.build !== "string") problems.push("hello: no build");
if (typeof hello?.pid !== "number") problems.push("hello: no pid");
if (!Array.isArray(hello?.capabilities)) problems.push("hello: no capabilities");

const ping = await withDeadline("ping after hello", client.send({ type: "ping" }));
if (JSON.stringify(ping) !== JSON.stringify({ pong: true })) problems.push(`ping after hello: ${JSON.stringify(ping)}`);

client.close();
console.log(JSON.stringify({ hello, answered: many.length, problems }));
if (problems.length > 0) {
  for (const p of problems) console.error(`MISMATCH ${p}`);
  process.exit(1);
}
process.exit(0);
