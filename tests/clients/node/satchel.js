// Starts a real `satchel serve` on free loopback ports with a temporary
// data folder, and reads the store's admin key with `satchel store
// credentials`, so tests drive the store exactly as a user's tools would.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const STARTUP_TIMEOUT_MS = 20000;

export const binary = process.env.SATCHEL_BINARY ?? "../../../build/release/src/cli/satchel";

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Parses the `export NAME='value'` lines of `satchel store credentials`.
function parseExports(text) {
  const values = {};
  for (const line of text.split("\n")) {
    const match = /^export ([A-Z_]+)='(.*)'$/.exec(line);
    if (match) values[match[1]] = match[2];
  }
  return values;
}

export async function startSatchel() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "satchel-node-"));
  const apiPort = await freePort();
  const storePort = await freePort();
  const child = spawn(
    binary,
    ["serve", "--listen", `127.0.0.1:${apiPort}`, "--store-listen", `127.0.0.1:${storePort}`,
     "--data-dir", dataDir],
    { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => { log += chunk; });
  const api = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`satchel serve exited:\n${log}`);
    try {
      if ((await fetch(`${api}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`satchel serve did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { stdout } = await run(binary, ["store", "credentials", "--data-dir", dataDir,
                                        "--store-listen", `127.0.0.1:${storePort}`]);
  const credentials = parseExports(stdout);
  return {
    api,
    dataDir,
    endpoint: credentials.AWS_ENDPOINT_URL,
    bucket: credentials.SATCHEL_BUCKET,
    region: credentials.AWS_DEFAULT_REGION,
    credentials: {
      accessKeyId: credentials.AWS_ACCESS_KEY_ID,
      secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
    },
    // Returns an ID token from the development provider for user in org.
    async token(user, org) {
      const { stdout: token } = await run(binary, ["token", "--user", user, "--org", org,
                                                   "--data-dir", dataDir,
                                                   "--listen", `127.0.0.1:${apiPort}`]);
      return token.trim();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
