import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { onWasmWithCourseKernels } from "./helpers/compare-backends";

describe("wasm Identity without a copy", () => {
  onWasmWithCourseKernels();

  it("shares the input's memory, and the data lives until its last user is disposed", () => {
    const x = tf.tensor1d([1, 2, 3, 4]);
    const buffers = tf.backend().numDataIds();
    const copy = tf.clone(x);
    assert.equal(tf.backend().numDataIds(), buffers, "a clone allocates nothing");
    x.dispose();
    assert.equal(tf.backend().numDataIds(), buffers, "the clone still uses the data");
    assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3, 4]);
    copy.dispose();
    assert.equal(tf.backend().numDataIds(), buffers - 1, "the data is freed with its last user");
  });

  it("keeps string tensors working (they live outside wasm memory)", () => {
    const s = tf.tensor1d(["a", "b"], "string");
    const copy = tf.clone(s);
    assert.deepEqual(copy.arraySync(), ["a", "b"]);
    tf.dispose([s, copy]);
  });
});
