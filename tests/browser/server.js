// Starts `satchel serve` on two free loopback ports (API and embedded store) with a temporary
// data folder, and stops it again. SATCHEL_BINARY names the binary under test. CTest sets it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const STARTUP_TIMEOUT_MS = 20_000;
const STARTUP_POLL_MS = 50;

// Returns a port that was free a moment ago. Another process can take it before the server
// binds it, which then fails the start with the server's own message.
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the server and resolves once /healthz responds. Returns `{origin, stop, log}`, where
 * `log()` returns what the server wrote to stderr so far.
 */
export async function startSatchel() {
  const binary = process.env.SATCHEL_BINARY;
  if (!binary) {
    throw new Error(
      'SATCHEL_BINARY is not set. Run through CTest, or set it to the satchel binary.',
    );
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'satchel-browser-'));
  const apiPort = await freePort();
  const storePort = await freePort();
  const child = spawn(
    binary,
    [
      'serve',
      '--listen',
      `127.0.0.1:${apiPort}`,
      '--store-listen',
      `127.0.0.1:${storePort}`,
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  let spawnError = null;
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  child.on('error', (error) => {
    spawnError = error;
  });

  const origin = `http://127.0.0.1:${apiPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (spawnError !== null) {
      await rm(dataDir, { recursive: true, force: true });
      throw new Error(`Could not start ${binary}: ${spawnError.message}`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`satchel serve exited with status ${child.exitCode}:\n${log}`);
    }
    try {
      if ((await fetch(`${origin}/healthz`)).ok) {
        break;
      }
    } catch {
      // The server is not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `satchel serve did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms:\n${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS));
  }
  return { origin, stop, log: () => log };
}
