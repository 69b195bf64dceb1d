// Takes a daemon lock with the reference's acquireDaemonLock (@outfitter/daemon 0.2.6, run by Bun), for the interop tests.
// Usage: bun ts-lock.ts LOCKPATH
// Prints "LOCKED <pid>" and waits; on SIGTERM releases the lock and exits 0. Prints "REFUSED <message>" and exits 1
// when the lock is held by someone else.
import { acquireDaemonLock, releaseDaemonLock } from "@outfitter/daemon";

const lockPath = process.argv[2];
if (!lockPath) {
  console.error("usage: bun ts-lock.ts LOCKPATH");
  process.exit(2);
}

const result = await acquireDaemonLock(lockPath);
if (result.isErr()) {
  console.log(`REFUSED ${result.error.message}`);
  process.exit(1);
}

const handle = result.value;
process.on("SIGTERM", async () => {
  await releaseDaemonLock(handle);
  process.exit(0);
});

console.log(`LOCKED ${handle.pid}`);
// Stay alive until a signal (a pending timer keeps the event loop running).
setInterval(() => {}, 1 << 30);
