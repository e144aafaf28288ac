/** Charts for notebooks: vega-lite specifications rendered headless to SVG; one-line loss, scatter and line charts. */
import type * as tf from "@tensorflow/tfjs";
import type { TopLevelSpec } from "vega-lite" with { "resolution-mode": "import" };
import { displayBundle } from "./display";

/** A value in a chart's data table. */
export type DataValue = string | number | boolean | null;

/** How vega-lite reads a data field. */
export type FieldType = "quantitative" | "ordinal" | "nominal" | "temporal";

/** Mark types for everyday charts. */
export type MarkType = "point" | "circle" | "square" | "line" | "area" | "bar" | "rule" | "tick" | "text" | "rect";

/** A mark with its properties, e.g. `{ type: "line", point: true }`. */
export interface MarkDef {
  type: MarkType;
  [property: string]: unknown;
}

/** Maps a data field to a visual channel, e.g. `{ field: "epoch", type: "quantitative", title: "epoch" }`. */
export interface FieldDef {
  field: string;
  type: FieldType;
  title?: string;
  scale?: { type?: "linear" | "log" | "sqrt" | "pow" | "symlog"; zero?: boolean; domain?: DataValue[] };
  [property: string]: unknown;
}

/** Visual channels and what they show. */
export interface Encoding {
  x?: FieldDef;
  y?: FieldDef;
  color?: FieldDef | { value: string };
  size?: FieldDef | { value: number };
  opacity?: FieldDef | { value: number };
  shape?: FieldDef;
  tooltip?: FieldDef | FieldDef[];
  [channel: string]: unknown;
}

/**
 * A vega-lite specification (https://vega.github.io/vega-lite/docs/spec.html). The common single-view and layer
 * properties are typed; other vega-lite properties (transform, facet, concat, …) pass through unchecked.
 */
export interface VegaLiteSpec {
  $schema?: string;
  title?: string;
  description?: string;
  width?: number;
  height?: number;
  data?: { values: Array<Record<string, DataValue>> };
  mark?: MarkType | MarkDef;
  encoding?: Encoding;
  layer?: VegaLiteSpec[];
  config?: Record<string, unknown>;
  [property: string]: unknown;
}

/**
 * Per-epoch values by series name, as in `(await model.fit(...)).history` or the course's `trainModel` result;
 * `loss` is required. Every array in it whose name ends in "loss" (e.g. `kl_loss`) is plotted; other fields
 * (timings, flags) are ignored.
 */
export interface LossHistory {
  loss: readonly number[];
  val_loss?: readonly number[];
}

/** Options for `lossChart`. */
export interface LossChartOptions {
  title?: string;
  /** Y axis title (default "loss"). */
  yTitle?: string;
  /**
   * Groups of series, each drawn in its own panel with its own y scale, so series of very different sizes (a VAE's
   * KL term of a few units beside its reconstruction term of hundreds) each show their shape, e.g.
   * `[["loss", "val_loss"], ["reconstruction_loss"], ["kl_loss"]]`. `width` and `height` are then per panel.
   */
  panels?: ReadonlyArray<ReadonlyArray<string>>;
  width?: number;
  height?: number;
}

/** One point of a scatter chart, coloured by `label`. */
export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
}

/** Titles and size of a chart of labelled points; each chart names its own defaults. */
export interface PointChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Legend title. */
  labelTitle?: string;
  width?: number;
  height?: number;
}

/** Options for `scatterChart`; defaults: title "Latent space", axes "z[0]" and "z[1]", legend "class", 400×400. */
export type ScatterChartOptions = PointChartOptions;

/** Options for `lineChart`; defaults: no title, axes "x" and "y", legend "series", 400×250. */
export type LineChartOptions = PointChartOptions;

/** vega 6 and vega-lite 6 are ESM-only (with a top-level await), so they load through a real dynamic import(). */
const importVega = () => Promise.all([import("vega"), import("vega-lite")]);
let vegaModules: ReturnType<typeof importVega> | undefined;

function loadVega(): ReturnType<typeof importVega> {
  vegaModules ??= importVega();
  return vegaModules;
}

/** Renders a vega-lite specification to an SVG document, headless (no canvas or browser needed). */
export async function vegaLiteToSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize(); // releases the view's timers and listeners
  }
}

/** Renders a vega-lite specification and shows it in the notebook as an SVG image. */
export async function showChart(spec: VegaLiteSpec): Promise<void> {
  const title = typeof spec.title === "string" ? spec.title : "chart";
  displayBundle({
    "image/svg+xml": await vegaLiteToSvg(spec),
    // What Jupyter shows where it may not render SVG: a notebook that is not trusted.
    "text/plain": `[${title}: if you see this line instead of the chart, use File → Trust Notebook and re-run the cell]`,
  });
}

/** Reads a fit history's loss series as numbers (tfjs may hold scalars as tensors). */
function historySeries(history: LossHistory | tf.History): Array<[string, number[]]> {
  const record: Record<string, unknown> = "history" in history && !Array.isArray(history.history) ? history.history : { ...history };
  return Object.entries(record)
    .filter((entry): entry is [string, ReadonlyArray<number | tf.Tensor>] => /loss$/.test(entry[0]) && Array.isArray(entry[1]))
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => [name, values.map((v) => (typeof v === "number" ? v : v.dataSync()[0]))]);
}

/**
 * A line chart of loss per epoch (epochs counted from 1), one coloured line per series of the history
 * (loss, val_loss, and any other series named "…loss"), with a legend. Pass it to `showChart`.
 */
export function lossChart(history: LossHistory | tf.History, options: LossChartOptions = {}): VegaLiteSpec {
  const series = historySeries(history);
  if (series.length === 0) {
    throw new Error("lossChart: the history has no values; pass the result of `await model.fit(...)` after training.");
  }
  const values = series.flatMap(([name, losses]) =>
    losses.map((value, i) => ({ epoch: i + 1, value: Number.isFinite(value) ? value : null, series: name })),
  );
  const title = options.title ?? "Loss per epoch";
  const mark = { type: "line", point: true } as const;
  const x = { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } } as const;
  const y = {
    field: "value",
    type: "quantitative",
    title: options.yTitle ?? "loss",
    scale: { zero: false },
  } as const;
  if (options.panels) {
    const known = new Set(series.map(([name]) => name));
    const unknown = options.panels.flat().filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Error(`lossChart: the history has no series ${unknown.join(", ")}; it has ${[...known].join(", ")}.`);
    }
    const panelOf = new Map(options.panels.flatMap((group) => group.map((name) => [name, group.join(", ")] as const)));
    const panelNames = options.panels.map((group) => group.join(", "));
    return {
      title,
      data: {
        values: values.flatMap((v) => {
          const panel = panelOf.get(v.series);
          return panel === undefined ? [] : [{ ...v, panel }];
        }),
      },
      facet: { field: "panel", type: "nominal", title: null, sort: panelNames },
      columns: options.panels.length,
      spec: {
        width: options.width ?? 180,
        height: options.height ?? 150,
        mark,
        encoding: { x, y, color: { field: "series", type: "nominal", title: "series", sort: options.panels.flat() } },
      },
      resolve: { scale: { y: "independent" } },
    } satisfies TopLevelSpec;
  }
  return {
    title,
    width: options.width ?? 400,
    height: options.height ?? 250,
    data: { values },
    mark,
    encoding: { x, y, color: { field: "series", type: "nominal", title: "series" } },
  } satisfies TopLevelSpec;
}

/** Axis and legend titles of a chart of labelled points. */
interface PointTitles {
  title: string;
  xTitle: string;
  yTitle: string;
  labelTitle: string;
}

/** A chart of labelled points drawn with `mark`, coloured by label, with axis titles and a legend. */
function labelledPointsChart(points: ScatterPoint[], mark: MarkDef, titles: PointTitles, size: { width?: number; height?: number }) {
  return {
    title: titles.title,
    width: size.width ?? 400,
    height: size.height ?? 400,
    data: { values: points.map(({ x, y, label }) => ({ x, y, label })) },
    mark,
    encoding: {
      x: { field: "x", type: "quantitative", title: titles.xTitle, scale: { zero: false } },
      y: { field: "y", type: "quantitative", title: titles.yTitle, scale: { zero: false } },
      color: { field: "label", type: "nominal", title: titles.labelTitle },
    },
  } satisfies TopLevelSpec;
}

/** A scatter chart of labelled 2-D points (e.g. latent codes), coloured by label, with axis titles and a legend. */
export function scatterChart(points: ScatterPoint[], options: ScatterChartOptions = {}): VegaLiteSpec {
  if (points.length === 0) throw new Error("scatterChart: there are no points to plot.");
  const titles = {
    title: options.title ?? "Latent space",
    xTitle: options.xTitle ?? "z[0]",
    yTitle: options.yTitle ?? "z[1]",
    labelTitle: options.labelTitle ?? "class",
  };
  return labelledPointsChart(points, { type: "point", filled: true, size: 20, opacity: 0.7 }, titles, options);
}

/** A line chart with one coloured line (points joined in x order) per label, e.g. a measure against a setting. */
export function lineChart(points: ScatterPoint[], options: LineChartOptions = {}): VegaLiteSpec {
  if (points.length === 0) throw new Error("lineChart: there are no points to plot.");
  const titles = {
    title: options.title ?? "",
    xTitle: options.xTitle ?? "x",
    yTitle: options.yTitle ?? "y",
    labelTitle: options.labelTitle ?? "series",
  };
  return labelledPointsChart(points, { type: "line", point: true }, titles, { width: options.width, height: options.height ?? 250 });
}
