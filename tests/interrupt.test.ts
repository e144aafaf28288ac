import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { PROJECT_ROOT, jupyterEnv, registerKernel } from "../scripts/jupyter";

const PYTHON = "/usr/bin/python3";

/**
 * Drives a tslab kernel like Jupyter does: runs SETUP, runs TRAIN until its first epoch line, sends Kernel →
 * Interrupt (SIGINT), waits for idle, then runs FOLLOW_UP. Prints one JSON object with what each cell showed.
 */
const DRIVER = String.raw`
import json, os, re, time
from jupyter_client.manager import start_new_kernel

def outputs_of(msg):
    content = msg["content"]
    kind = msg["msg_type"]
    if kind == "stream":
        return content["text"]
    if kind in ("display_data", "update_display_data", "execute_result"):
        return content["data"].get("text/plain", "") + "\n"
    if kind == "error":
        return "\n".join(content["traceback"]) + "\n"
    return ""

def run(kc, code, timeout, on_output=None):
    """Executes code; returns (its output text, seconds from on_output's signal to idle or None, reply status)."""
    msg_id = kc.execute(code)
    text, signalled_at, idle_after = "", None, None
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        text += outputs_of(msg)
        if on_output and signalled_at is None and on_output(text):
            signalled_at = time.time()
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            if signalled_at is not None:
                idle_after = time.time() - signalled_at
            break
    else:
        raise SystemExit("cell did not finish within %ss; it printed:\n%s" % (timeout, text))
    reply = kc.get_shell_msg(timeout=10)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=10)
    return text, idle_after, reply["content"]["status"]

km, kc = start_new_kernel(kernel_name="tslab", cwd=os.environ["PROJECT_ROOT"], startup_timeout=60)
try:
    setup, _, setup_status = run(kc, os.environ["SETUP"], 60)
    def interrupt_after_first_epoch(text):
        if not re.search(r"^Epoch 1/\d+  loss", text, re.M):  # the line of a finished epoch, not the live status
            return False
        km.interrupt_kernel()
        return True
    train, idle_after, train_status = run(kc, os.environ["TRAIN"], 60, interrupt_after_first_epoch)
    time.sleep(0.5)  # tslab aborts executions that arrive within 200 ms of a failed one, as queued cells
    follow_up, _, follow_up_status = run(kc, os.environ["FOLLOW_UP"], 30)
    print(json.dumps(dict(setup=setup, setup_status=setup_status, train=train, idle_after=idle_after,
                          train_status=train_status, follow_up=follow_up,
                          follow_up_status=follow_up_status)))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;

// 4096 rows in batches of 32: 128 batches per epoch, a fraction of a second each, so the interrupt lands mid-epoch.
const DATA = `
import * as tf from "@tensorflow/tfjs";
import { buildDenseVae, trainModel, trainVae } from "autoencoder-course";
tf.enableProdMode();
await tf.setBackend("cpu");
const x = tf.randomUniform([4096, 16], 0, 1, "float32", 1);
`;

/** The training loops whose interrupt handling runs in a real kernel: each builds its model, then trains "forever". */
const LOOPS = [
  {
    name: "trainModel",
    setup: `const model = tf.sequential({ layers: [
  tf.layers.dense({ inputShape: [16], units: 32, activation: "relu" }), tf.layers.dense({ units: 16 }),
] });
model.compile({ optimizer: "adam", loss: "meanSquaredError" });`,
    train: `const history = await trainModel(model, x, x, { epochs: 1000, batchSize: 32 });`,
  },
  {
    name: "trainVae",
    setup: `const vae = buildDenseVae({ inputSize: 16, hiddenSize: 32, seed: 1 });`,
    train: `const history = await trainVae(vae, x, { epochs: 1000, batchSize: 32 });`,
  },
];
// Waits long enough for several more epochs of a run that kept going in the background.
const FOLLOW_UP = `await new Promise((resolve) => setTimeout(resolve, 2000)); console.log("MARKER after interrupt");`;

interface DriverResult {
  setup: string;
  setup_status: string;
  train: string;
  idle_after: number | null;
  train_status: string;
  follow_up: string;
  follow_up_status: string;
}

function drive(setup: string, train: string): Promise<DriverResult> {
  const env = { ...jupyterEnv(registerKernel(PYTHON)), PROJECT_ROOT, SETUP: `${DATA}${setup}\nconsole.log("ready on " + tf.getBackend());`, TRAIN: train, FOLLOW_UP };
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", DRIVER], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(new Error(`the kernel driver exited with ${code}:\n${stdout}\n${stderr}`));
      } else {
        resolve(JSON.parse(last) as DriverResult);
      }
    });
  });
}

for (const loop of LOOPS) {
  describe(`Kernel → Interrupt during ${loop.name} in a tslab kernel`, function () {
    this.timeout(90_000);
    let result: DriverResult;

    before(async () => {
      result = await drive(loop.setup, loop.train);
      assert.match(result.setup, /ready on cpu/, result.setup);
    });

    it("stops training: the kernel is idle within a few seconds and the cell says where training stopped", () => {
      assert.ok(result.idle_after !== null && result.idle_after < 5, `idle ${result.idle_after} s after the interrupt`);
      assert.equal(result.train_status, "error", "tslab reports the interrupted cell as failed");
      assert.match(
        result.train,
        /Training interrupted (during epoch \d+ \(batch \d+\/128\)|at the end of epoch \d+): the model keeps what it has learned so far/,
        result.train,
      );
      assert.equal(result.train.match(/Training interrupted/g)?.length, 1, result.train);
    });

    it("prints no further epoch lines into the next cell", () => {
      assert.equal(result.follow_up_status, "ok", result.follow_up);
      assert.match(result.follow_up, /MARKER after interrupt/);
      assert.doesNotMatch(result.follow_up, /Epoch/, result.follow_up);
    });
  });
}
