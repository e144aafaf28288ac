import { strict as assert } from "node:assert";
import { disposeKept, keep } from "../lib/keep";

describe("keep", () => {
  it("disposes the value kept under the same name before, but not the same object twice", () => {
    const disposed: string[] = [];
    const make = (id: string) => ({ id, dispose: () => disposed.push(id) });
    const first = keep("model", make("first"));
    keep("model", first);
    assert.deepEqual(disposed, []);
    keep("model", make("second"));
    keep("data", make("data"));
    assert.deepEqual(disposed, ["first"]);
    disposeKept();
    assert.deepEqual(disposed.sort(), ["data", "first", "second"]);
  });
});
