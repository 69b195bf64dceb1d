// The reference IPC client (@outfitter/daemon 0.2.6, run by Bun) against a .NET server, for the interop tests.
// Usage: bun ts-client.ts SOCKET
// Prints one JSON line with what it observed and exits 0; on any mismatch prints "MISMATCH ..." on stderr and exits 1.
import { createIpcClient } from "@outfitter/daemon";

const socketPath = process.argv[2];
if (!socketPath) {
  console.error("usage: bun ts-client.ts SOCKET");
  process.exit(2);
}

const problems: string[] = [];
const expectEqual = (what: string, actual: unknown, expected: unknown) => {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) problems.push(`${what}: expected ${e.slice(0, 200)}, got ${String(a).slice(0, 200)}`);
};

const client = createIpcClient(socketPath);
await client.connect();

const ping = await client.send({ type: "ping" });
expectEqual("ping", ping, { pong: true });

const nested = { text: "héllo ✓ 😀", list: [1, 2.5, -3, true, false, null], inner: { "ключ": "值", empty: {}, none: [] } };
const echoNested = await client.send({ type: "echo", data: nested });
expectEqual("echo nested", echoNested, nested);

// ASCII only: the reference decodes every socket chunk on its own, so a multi-byte character split across chunks
// would be corrupted by the reference itself (not by the server under test).
const big = "0123456789abcdef".repeat(100 * 1024 / 16);
const echoBig = (await client.send({ type: "echo", data: big })) as string;
expectEqual("echo 100 KiB length", echoBig?.length, big.length);
expectEqual("echo 100 KiB equal", echoBig === big, true);

const concurrentCount = 20;
const concurrent = await Promise.all(
  Array.from({ length: concurrentCount }, (_, i) => client.send({ type: "echo", data: { i, s: `n${i}` } })),
);
concurrent.forEach((reply, i) => expectEqual(`concurrent ${i}`, reply, { i, s: `n${i}` }));

let unknownError: string | null = null;
try {
  const reply = await client.send({ type: "no-such-type" });
  problems.push(`unknown type: expected a rejection, got ${JSON.stringify(reply)}`);
} catch (error) {
  unknownError = error instanceof Error ? error.message : String(error);
  if (!unknownError.includes("no-such-type")) problems.push(`unknown type: the message does not name the type: ${unknownError}`);
}

// The connection still works after an error reply.
const pingAfterError = await client.send({ type: "ping" });
expectEqual("ping after error", pingAfterError, { pong: true });

client.close();

console.log(
  JSON.stringify({
    ping,
    echoNested,
    bigLength: echoBig?.length ?? null,
    concurrentOk: concurrent.length,
    unknownError,
    pingAfterError,
    problems,
  }),
);
if (problems.length > 0) {
  for (const p of problems) console.error(`MISMATCH ${p}`);
  process.exit(1);
}
process.exit(0);
