import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeCell, markdownCell, newNotebook, sourceText } from "../../lib/notebook/ipynb.js";
import { declaredParameters, injectParameters, injectedSource, parseParamArgs } from "../../lib/notebook/params.js";

describe("parseParamArgs", () => {
  it("reads JSON values and falls back to strings", () => {
    assert.deepEqual(parseParamArgs(["n=3", "preset=tiny", "flag=true", "ks=[2,4]", 'name="x y"', "eq=a=b"]), {
      n: 3,
      preset: "tiny",
      flag: true,
      ks: [2, 4],
      name: "x y",
      eq: "a=b",
    });
  });
  it("rejects malformed pairs and bad names", () => {
    assert.throws(() => parseParamArgs(["novalue"]), /must look like key=value/);
    assert.throws(() => parseParamArgs(["=3"]), /must look like key=value/);
    assert.throws(() => parseParamArgs(["1x=3"]), /not a valid variable name/);
  });
});

describe("declaredParameters", () => {
  it("finds top-level let/const/var declarations in order", () => {
    const src = 'let preset: "tiny" | "paper" = "tiny";\nconst seed = 1; // fixed\n  var old = 2;\n// let commented = 1\nexport let runDir = "";';
    assert.deepEqual(declaredParameters(src), [
      { kind: "let", name: "preset" },
      { kind: "const", name: "seed" },
      { kind: "var", name: "old" },
      { kind: "let", name: "runDir" },
    ]);
  });
});

describe("injectParameters", () => {
  const nb = newNotebook([
    markdownCell("# t"),
    codeCell('let preset: string = "small";\nconst seed = 1;', ["parameters"]),
    codeCell("console.log(preset, seed);"),
  ]);

  it("assigns let parameters and redeclares const ones right after the parameters cell", () => {
    const inj = injectParameters(nb, { preset: "tiny", seed: 7, other: 1 });
    assert.equal(inj.injectedIndex, 2);
    assert.deepEqual(inj.applied, ["preset", "seed"]);
    assert.deepEqual(inj.ignored, ["other"]);
    const cell = inj.notebook.cells[2]!;
    assert.deepEqual(cell.metadata.tags, ["injected-parameters"]);
    const src = sourceText(cell.source);
    assert.match(src, /^preset = "tiny";$/m);
    assert.match(src, /^const seed = 7;$/m);
    assert.equal(nb.cells.length, 3, "the input notebook is not changed");
  });

  it("replaces an injected cell left from an earlier run", () => {
    const once = injectParameters(nb, { preset: "a" }).notebook;
    const twice = injectParameters(once, { preset: "b" });
    assert.equal(twice.notebook.cells.length, 4);
    assert.match(sourceText(twice.notebook.cells[2]!.source), /preset = "b"/);
  });

  it("injects nothing without a parameters cell", () => {
    const plain = newNotebook([codeCell("1")]);
    const inj = injectParameters(plain, { x: 1 });
    assert.equal(inj.injectedIndex, -1);
    assert.deepEqual(inj.ignored, ["x"]);
    assert.equal(inj.notebook.cells.length, 1);
  });

  it("writes values as JSON literals and refuses what JSON cannot hold", () => {
    assert.equal(injectedSource({ a: [1, "x"], b: null }, []).split("\n").slice(1).join("\n"), 'a = [1,"x"];\nb = null;');
    assert.throws(() => injectedSource({ f: undefined }, []), /parameter f/);
  });
});
