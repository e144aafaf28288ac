import { strict as assert } from "node:assert";
import { formatSolution, matchAnswer, parseNumber, parseShape, textMatches } from "../lib/quiz/matching";
import type { Question } from "../lib/quiz/schema";

const half: Question = { id: "n", type: "numeric", prompt: "?", answer: 0.5 };
const minusHalf: Question = { id: "m", type: "numeric", prompt: "?", answer: -0.5, tolerance: { abs: 2 } };
const kl: Question = { id: "k", type: "numeric", prompt: "?", answer: 0.35914, tolerance: { abs: 0.005 } };
const relative: Question = { id: "r", type: "numeric", prompt: "?", answer: 200, tolerance: { rel: 0.01 } };
const latent: Question = { id: "s", type: "shape", prompt: "?", answer: [4, 4, 8] };
const batched: Question = { id: "b", type: "shape", prompt: "?", answer: [null, 28, 28, 1] };
const vae: Question = { id: "t", type: "text", prompt: "?", accepted: ["variational autoencoder"] };
const yes: Question = { id: "y", type: "truefalse", prompt: "?", answer: true };
const options = [
  { id: "a", text: "Sigmoid" },
  { id: "b", text: "ReLU" },
  { id: "c", text: "Softmax" },
  { id: "d", text: "Linear" },
];
const single: Question = { id: "c1", type: "single", prompt: "?", options, answer: "a" };
const multiple: Question = { id: "c2", type: "multiple", prompt: "?", options, answer: ["a", "b", "c"] };

function status(question: Question, value: unknown): string {
  return matchAnswer(question, value).status;
}

describe("numeric answers", () => {
  it("accept .5, 0.5, ' 0.5 ', 5e-1 and the number 0.5", () => {
    for (const value of [".5", "0.5", " 0.5 ", "5e-1", "5E-1", "+0.5", 0.5]) assert.equal(status(half, value), "right", String(value));
  });

  it("accept values within the absolute or relative tolerance, and no further", () => {
    assert.equal(status(kl, "0.359"), "right");
    assert.equal(status(kl, 0.364), "right");
    assert.equal(status(kl, 0.365), "wrong");
    assert.equal(status(relative, 201.9), "right");
    assert.equal(status(relative, 202.1), "wrong");
    assert.equal(status(half, 0.5000001), "wrong", "no tolerance given means exact");
  });

  it("never accept a flipped sign, even inside a wide tolerance", () => {
    assert.equal(status(minusHalf, "-0.5"), "right");
    assert.equal(status(minusHalf, "−0.5"), "right", "Unicode minus");
    assert.equal(status(minusHalf, "-1.5"), "right");
    assert.equal(status(minusHalf, "0.5"), "wrong");
    assert.equal(status(minusHalf, 0.1), "wrong");
    assert.equal(status(half, "-0.5"), "wrong");
  });

  it("mark text, booleans, lists, NaN and hex as wrong with a message", () => {
    for (const value of ["half", "0x10", "NaN", "Infinity", "1/2", "0.5.1", true, [0.5], NaN, { value: 0.5 }]) {
      const outcome = matchAnswer(half, value);
      assert.equal(outcome.status, "wrong", String(value));
      assert.match(outcome.message ?? "", /expected a number such as 2\.5 or 25e-1, got /);
    }
    // The usual example, 0.5, is this question's answer: the message must not give it away.
    assert.equal(matchAnswer(half, "half").message, 'expected a number such as 2.5 or 25e-1, got the text "half"');
    assert.equal(matchAnswer(relative, "half").message, 'expected a number such as 0.5 or 5e-1, got the text "half"');
  });

  it("parse only plain decimal and scientific notation", () => {
    assert.equal(parseNumber("1e3"), 1000);
    assert.equal(parseNumber("-.25"), -0.25);
    assert.equal(parseNumber("3."), 3);
    assert.equal(parseNumber(""), undefined, "an empty text is not 0");
    assert.equal(parseNumber("1 000"), undefined);
  });
});

describe("shape answers", () => {
  it("accept [4,4,8], 4x4x8, 4×4×8, (4, 4, 8), 4 x 4 x 8, [4 4 8] and a number list", () => {
    for (const value of ["[4,4,8]", "4x4x8", "4×4×8", "(4, 4, 8)", " 4 x 4 x 8 ", "4X4X8", "[4 4 8]", "4, 4, 8", [4, 4, 8], ["4", "4", "8"]]) {
      assert.equal(status(latent, value), "right", JSON.stringify(value));
    }
  });

  it("accept null, None and ? for an open batch dimension", () => {
    for (const value of ["[null, 28, 28, 1]", "(None, 28, 28, 1)", "?x28x28x1", [null, 28, 28, 1]]) {
      assert.equal(status(batched, value), "right", JSON.stringify(value));
    }
    assert.equal(status(batched, [32, 28, 28, 1]), "wrong");
  });

  it("mark a different shape wrong, saying when the number of dimensions differs", () => {
    assert.deepEqual(matchAnswer(latent, [8, 4, 4]), { status: "wrong", credit: 0 });
    const outcome = matchAnswer(latent, [4, 4, 8, 2, 2]);
    assert.equal(outcome.status, "wrong");
    assert.equal(outcome.message, "your shape has 5 dimensions; the question asks for a different number");
    assert.equal(matchAnswer(latent, [null, 4, 4, 9]).message, "your shape has 4 dimensions; the question asks for a different number");
  });

  it("mark a shape with the batch dimension wrong, saying to leave it out when the rest is right", () => {
    for (const value of [[null, 4, 4, 8], "[None, 4, 4, 8]", "(None, 4, 4, 8)", [1, 4, 4, 8], "32x4x4x8"]) {
      const outcome = matchAnswer(latent, value);
      assert.equal(outcome.status, "wrong", JSON.stringify(value));
      assert.equal(outcome.credit, 0);
      assert.equal(outcome.message, "leave out the batch dimension (the first entry): the question asks for the shape of one example", JSON.stringify(value));
    }
  });

  it("say when the batch dimension is missing or given a number where the question wants it open", () => {
    const missing = matchAnswer(batched, [28, 28, 1]);
    assert.equal(missing.status, "wrong");
    assert.match(missing.message ?? "", /^add the batch dimension in front/);
    const fixed = matchAnswer(batched, "32x28x28x1");
    assert.equal(fixed.status, "wrong");
    assert.equal(fixed.message, "the batch dimension is left open in a model's shape: write null (or None) for it");
    assert.equal(matchAnswer(batched, [32, 28, 28, 3]).message, undefined, "no batch advice when the rest is wrong too");
  });

  it("mark non-shapes wrong with a message", () => {
    for (const value of ["four by four", "[4, 4.5, 8]", "[-4, 4, 8]", 128, true, "[]x"]) {
      const outcome = matchAnswer(latent, value);
      assert.equal(outcome.status, "wrong", JSON.stringify(value));
      // [4, 4, 8] is this question's answer, so the example is another shape.
      assert.match(outcome.message ?? "", /expected a shape such as \[2, 3, 5\], "2x3x5" or "\(2, 3, 5\)"/);
    }
    assert.match(matchAnswer(batched, "four").message ?? "", /expected a shape such as \[4, 4, 8\], "4x4x8" or "\(4, 4, 8\)"/);
    const batchedLatent: Question = { id: "l", type: "shape", prompt: "?", answer: [null, 4, 4, 8] };
    assert.match(matchAnswer(batchedLatent, "four").message ?? "", /such as \[2, 3, 5\]/, "not the answer without its batch entry");
  });

  it("parse a one-dimensional Python tuple", () => {
    assert.deepEqual(parseShape("(784,)"), [784]);
  });
});

describe("text answers", () => {
  it("ignore case and surrounding or repeated whitespace", () => {
    for (const value of ["variational autoencoder", "  Variational   AUTOENCODER ", "variational\tautoencoder\n"]) {
      assert.equal(status(vae, value), "right", JSON.stringify(value));
    }
    assert.equal(status(vae, "variational auto"), "wrong");
  });

  it("ignore hyphens, spaces inside words and a plural s", () => {
    const variants = ["variational autoencoders", "variational auto-encoder", "Variational Auto Encoder", "Variational Auto-Encoders", "variational-autoencoder", "variational auto‐encoder"];
    for (const value of variants) assert.equal(status(vae, value), "right", JSON.stringify(value));
    for (const value of ["variational autoencoderz", "variational autoencoder network", "variational encoder", "autoencoder"]) {
      assert.equal(status(vae, value), "wrong", JSON.stringify(value));
    }
    assert.ok(textMatches("Binary Cross Entropy", "binary cross-entropy"));
    assert.ok(!textMatches("binary cross-entropy", "binary cross-entropies"), "only the learner's answer may add a plural s");
  });

  it("mark a number or a list wrong with a message", () => {
    assert.equal(matchAnswer(vae, 42).message, "expected a text in quotes, got the number 42");
    assert.equal(status(vae, ["variational autoencoder"]), "wrong");
  });
});

describe("true/false answers", () => {
  it("accept true/false and the words true, false, yes, no in any case", () => {
    for (const value of [true, "true", " TRUE ", "yes", "Yes"]) assert.equal(status(yes, value), "right", String(value));
    for (const value of [false, "false", "no", "NO"]) assert.equal(status(yes, value), "wrong", String(value));
  });

  it("mark other values wrong with a message", () => {
    for (const value of [1, "maybe", ["true"]]) {
      assert.match(matchAnswer(yes, value).message ?? "", /expected true or false/, String(value));
    }
  });
});

describe("single-choice answers", () => {
  it("accept the option id in any case, or the option's text", () => {
    for (const value of ["a", " A ", "sigmoid", "SIGMOID"]) assert.equal(status(single, value), "right", value);
    assert.equal(status(single, "b"), "wrong");
    assert.equal(matchAnswer(single, "b").message, undefined, "a plain wrong pick gets the hint, not a message");
  });

  it("mark an unknown option or a list wrong with a message", () => {
    assert.equal(matchAnswer(single, "e").message, 'the text "e" is not one of the options (a, b, c, d)');
    assert.equal(matchAnswer(single, ["a"]).message, "pick one option id, not a list");
  });
});

describe("multiple-choice answers: credit = right picks / right options − wrong picks / wrong options, at least 0", () => {
  function credit(value: unknown, question: Question = multiple): number {
    return matchAnswer(question, value).credit;
  }
  // Five options, three of them right (like the pre-lesson quiz's p4).
  const fiveOptions: Question = {
    id: "c5",
    type: "multiple",
    prompt: "?",
    options: ["a", "b", "c", "d", "e"].map((id) => ({ id, text: id.toUpperCase() })),
    answer: ["b", "d", "e"],
  };

  it("give full credit for exactly the right options, in any order and writing", () => {
    assert.equal(status(multiple, ["c", "a", "b"]), "right");
    assert.equal(status(multiple, "a, b, c"), "right");
    assert.equal(status(multiple, ["A", "relu", "c", "c"]), "right", "ids, texts and repeats");
  });

  it("give partial credit for some right picks, less for each wrong one", () => {
    assert.equal(credit(["a", "b"]), 2 / 3);
    assert.equal(credit(["a"]), 1 / 3);
    assert.equal(credit(["b", "d", "a"], fiveOptions), 2 / 3 - 1 / 2);
    const outcome = matchAnswer(fiveOptions, ["b", "d", "a"]);
    assert.equal(outcome.status, "partial");
    assert.equal(outcome.message, "2 of your picks are right and 1 is wrong; at least one right option is not picked");
  });

  it("give nothing for picking every option, or as many wrong options as right ones", () => {
    assert.equal(credit(["a", "b", "c", "d"]), 0);
    assert.equal(credit(["a", "b", "c", "d", "e"], fiveOptions), 0);
    assert.equal(credit(["b", "a", "c"], fiveOptions), 0);
    assert.equal(credit(["a", "b", "d"]), 0, "the only wrong option cancels everything");
    assert.equal(status(multiple, ["a", "b", "d"]), "wrong");
    assert.equal(credit(["d"]), 0);
  });

  it("handle a question whose every option is right", () => {
    const allRight: Question = { ...fiveOptions, answer: ["a", "b", "c", "d", "e"] };
    assert.equal(credit(["a", "b"], allRight), 2 / 5);
    assert.equal(status(allRight, ["a", "b", "c", "d", "e"]), "right");
  });

  it("mark an unknown option or a non-list wrong with a message", () => {
    assert.equal(matchAnswer(multiple, ["a", "z"]).message, 'the text "z" is not one of the options (a, b, c, d)');
    assert.match(matchAnswer(multiple, 3).message ?? "", /expected a list of option ids/);
  });
});

describe("any question", () => {
  const all = [half, latent, vae, yes, single, multiple];

  it("treats undefined, null, blank text and an empty list as not answered", () => {
    for (const question of all) {
      for (const value of [undefined, null, "", "   ", []]) assert.equal(status(question, value), "unanswered");
    }
  });

  it("never throws, whatever the value", () => {
    const odd: unknown[] = [{}, () => 1, Symbol("s"), 10n, new Date(0), [[1]], [{}], Object.create(null), -0, NaN];
    for (const question of all) {
      for (const value of odd) {
        const outcome = matchAnswer(question, value);
        assert.equal(outcome.credit, 0, `${question.type} ${String(typeof value)}`);
      }
    }
  });

  it("formats the solution for revealing", () => {
    assert.equal(formatSolution(batched), "[null, 28, 28, 1]");
    assert.equal(formatSolution(kl), "0.35914 (± 0.005)");
    assert.equal(formatSolution(single), "a (Sigmoid)");
    assert.equal(formatSolution(multiple), "a, b, c");
  });
});
