import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { barFigure, lineFigure, scatterFigure } from "../../lib/plot/figure.js";

describe("figure builders", () => {
  it("lineFigure: one trace per series, index x by default, typed arrays become arrays", () => {
    const fig = lineFigure([{ name: "G", y: new Float32Array([3, 2]) }, { name: "D", x: [10, 20], y: [1, 0.5] }], {
      title: "losses",
      xTitle: "epoch",
      logY: true,
    });
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[0], { type: "scatter", mode: "lines+markers", name: "G", x: [0, 1], y: [3, 2] });
    assert.deepEqual((fig.data[1] as { x: number[] }).x, [10, 20]);
    const layout = fig.layout as { title: { text: string }; xaxis: { title: { text: string } }; yaxis: { type: string } };
    assert.equal(layout.title.text, "losses");
    assert.equal(layout.xaxis.title.text, "epoch");
    assert.equal(layout.yaxis.type, "log");
    assert.throws(() => lineFigure([{ name: "bad", x: [1], y: [1, 2] }]), /series "bad": x has 1 values but y has 2/);
  });

  it("barFigure: grouped bars with error bars", () => {
    const fig = barFigure([{ name: "clustered", x: ["PSNR", "SSIM"], y: [20, 0.7], error: [1, 0.05] }]);
    assert.deepEqual(fig.data[0], {
      type: "bar",
      name: "clustered",
      x: ["PSNR", "SSIM"],
      y: [20, 0.7],
      error_y: { type: "data", array: [1, 0.05], visible: true },
    });
    assert.equal((fig.layout as { barmode: string }).barmode, "group");
    assert.throws(() => barFigure([{ name: "b", x: ["a"], y: [1], error: [1, 2] }]), /error has 2 values but y has 1/);
  });

  it("scatterFigure: one trace per group in numeric order, with hover text", () => {
    const fig = scatterFigure(
      { x: [0, 1, 2, 3], y: [4, 5, 6, 7], group: [10, 2, 10, 2], text: ["a", "b", "c", "d"] },
      { groupPrefix: "cluster " },
    );
    assert.deepEqual(
      fig.data.map((t) => (t as { name: string }).name),
      ["cluster 2", "cluster 10"],
    );
    assert.deepEqual((fig.data[0] as { x: number[]; text: string[] }).x, [1, 3]);
    assert.deepEqual((fig.data[1] as { text: string[] }).text, ["a", "c"]);
    assert.throws(() => scatterFigure({ x: [1], y: [1, 2] }), /x has 1 values but y has 2/);
  });
});
