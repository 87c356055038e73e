import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Detection } from '../model/types';
import type { EncoderSlice, InitResult, ModelCard, ModelInfo, Progress, QuerySlice, RunResult, Variant } from '../worker/messages';
import { BACKENDS, type BackendName } from '../worker/messages';
import { WorkerClient } from './workerClient';
import {
  allHeads, parseState, serializeState, soloHead, toggleHead, visibleHeads, headVisible,
  type Compare, type Overlay, type ViewState,
} from './state';
import {
  cxcywhToImageBox, heatmapRect, imageToCell, iou, makeFrame, normToImage, roiToImageBox,
  type Box, type Frame, type Pt, type RelativeZoom,
} from './geometry';
import { classColor, HEAD_COLORS, hexToRgb } from './palette';
import { diffMaps, gaussianWeight, headsCanvas, mapCanvas, meanMaps, type MapKind } from './heatmap';
import { ImageView, type ShownDetection, type ViewOverlay } from './components/ImageView';
import { HeadToggles } from './components/HeadToggles';
import { SmallMultiples, type HeadPanel } from './components/SmallMultiples';
import { QueryList } from './components/QueryList';
import { HelpOverlay } from './components/HelpOverlay';
import { ConvergenceView } from './components/ConvergenceView';
import { decodeImage, describeUnsupported, InputError, sniff, type DecodedImage } from './imageInput';
import { CLASS_NAMES, EXAMPLES, parseImageRef, randomSeed, sceneImage } from './scenes';
import { buildPng, buildSvg, composeBase, download, toCocoResults } from './exporters';
import { COCO_NAMES } from './coco';
import { beginInteraction, endInteraction, markOnce } from './perf';

const BASE = import.meta.env.BASE_URL;

interface IndexEntry {
  name: string;
  label: string;
  placeholder?: boolean;
  default?: boolean;
  smca?: boolean;
  pair?: string;
}

type Runs = { main?: RunResult; off?: RunResult; second?: RunResult };

interface Busy {
  label: string;
  done?: number;
  total?: number;
}

function dedupe(dets: Detection[]): Detection[] {
  const best = new Map<number, Detection>();
  for (const d of dets) {
    const b = best.get(d.query);
    if (!b || d.score > b.score) best.set(d.query, d);
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}

function className(info: ModelInfo | null, label: number): string {
  return info?.classNames[label] ?? `class ${label}`;
}

function frameOf(run: RunResult | undefined, img: DecodedImage | null): Frame | null {
  if (!run || !img) return null;
  return makeFrame(img.width, img.height, run.resized[1], run.resized[0], run.padded[1], run.padded[0]);
}

function shown(run: RunResult | undefined, info: ModelInfo | null, threshold: number): ShownDetection[] {
  if (!run) return [];
  return dedupe(run.detections)
    .filter((d) => d.score >= threshold)
    .map((d) => ({ query: d.query, label: d.label, score: d.score, box: d.box, name: className(info, d.label), color: classColor(d.label) }));
}

function fmtBytes(n: number) {
  return n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`;
}

const EMPTY_OVERLAY: ViewOverlay = {
  detections: [], selected: null, hovered: null, refBox: null, roiBox: null, showGrid: false, points: [], heat: null, encPoint: null, animKey: '',
};

const sliceKey = (slot: number, v: Variant, q: number) => `${slot}:${v}:${q}`;

export function App() {
  const [s, setS] = useState<ViewState>(() => parseState(window.location.search));
  const update = useCallback((patch: Partial<ViewState> | ((p: ViewState) => Partial<ViewState>)) => {
    setS((prev) => ({ ...prev, ...(typeof patch === 'function' ? patch(prev) : patch) }));
  }, []);
  useEffect(() => {
    const q = serializeState(s);
    window.history.replaceState(null, '', q ? `?${q}` : window.location.pathname);
  }, [s]);

  // Latest state for event handlers that compute an interaction's target (see ./perf).
  const sRef = useRef(s);
  sRef.current = s;

  const client = useMemo(() => new WorkerClient(), []);
  useEffect(() => () => client.terminate(), [client]);

  const [backend, setBackend] = useState<InitResult | null>(null);
  const [index, setIndex] = useState<IndexEntry[] | null>(null);
  const [models, setModels] = useState<(ModelInfo | null)[]>([null, null]);
  const [img, setImg] = useState<DecodedImage | null>(null);
  const [runs, setRuns] = useState<Runs>({});
  const [slices, setSlices] = useState<Record<string, QuerySlice>>({});
  const [encSlice, setEncSlice] = useState<EncoderSlice | null>(null);
  const [busy, setBusy] = useState<Busy | null>({ label: 'Starting the inference worker' });
  const [statusText, setStatusText] = useState('Starting…');
  const [error, setError] = useState<string | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [help, setHelp] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [inputSize, setInputSize] = useState(0);
  const [uploads, setUploads] = useState<ModelInfo[]>([]);
  const [runCount, setRunCount] = useState(0);
  const [completed, setCompleted] = useState(0);
  const [playing, setPlaying] = useState(false);
  const svgRefs = useRef<(SVGSVGElement | null)[]>([null, null]);
  const fileInput = useRef<HTMLInputElement>(null);

  const fail = useCallback((e: unknown, context?: string) => {
    const msg = (e as Error)?.message ?? String(e);
    setError(context ? `${context}: ${msg}` : msg);
    setBusy(null);
    setStatusText(`Error — ${context ?? 'see message'}`);
  }, []);

  const onProgress = useCallback((label: string) => (p: Progress) => {
    setBusy({ label: `${label}: ${p.stage}`, done: p.done, total: p.total });
  }, []);

  // 1. Backend (re)initialisation; switching drops the models (their tensors live on the old backend).
  useEffect(() => {
    let dead = false;
    setBusy({ label: `Starting TensorFlow.js (${s.backend || 'auto'})` });
    client
      .call({ type: 'init', backend: (s.backend || undefined) as BackendName | undefined, wasmThreads: s.threads || undefined })
      .then((r) => {
        if (dead) return;
        markOnce('app:backend-ready');
        setBackend(r);
        setModels([null, null]);
        setRuns({});
        setSlices({});
        setBusy(null);
      })
      .catch((e) => fail(e, 'backend'));
    return () => {
      dead = true;
    };
  }, [client, s.backend, s.threads, fail]);

  // 2. Bundled model list.
  useEffect(() => {
    fetch(`${BASE}models/index.json`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`models/index.json: HTTP ${r.status}`))))
      .then((j: { models: IndexEntry[] }) => setIndex(j.models ?? []))
      .catch((e) => {
        setIndex([]);
        fail(e, 'model list');
      });
  }, [fail]);

  const defaultModel = index?.find((m) => m.default)?.name ?? index?.[0]?.name ?? '';
  const modelName = s.model || defaultModel;
  const entry0 = index?.find((m) => m.name === modelName);
  const pairName = s.model2 ?? entry0?.pair ?? index?.find((m) => m.name !== modelName && !!m.smca !== !!entry0?.smca)?.name ?? null;

  // 3. Load the primary model (slot 0) and, side by side, the second (slot 1).
  const loadingRef = useRef<string[]>(['', '']);
  useEffect(() => {
    if (!backend || !index) return;
    const want: (string | null)[] = [modelName || null, s.compare === 'side-by-side' ? pairName : null];
    want.forEach((name, slot) => {
      if (!name) return;
      if (models[slot]?.name === name || loadingRef.current[slot] === name) return;
      if (name.startsWith('upload:')) {
        const up = uploads.find((u) => u.name === name);
        if (!up) {
          setError(`The checkpoint "${name.slice(7)}" from the shared view is not loaded here; showing the default model. Drop the file to load it.`);
          if (slot === 0) update({ model: '' });
        }
        return;
      }
      if (!index.some((m) => m.name === name)) {
        setError(`Unknown bundled model "${name}"; showing the default model.`);
        if (slot === 0) update({ model: '' });
        else update({ model2: null });
        return;
      }
      loadingRef.current[slot] = name;
      client
        .call({ type: 'loadBundled', slot, name, baseUrl: new URL(BASE, window.location.href).href }, onProgress(`Loading model ${name}`))
        .then((info) => {
          if (slot === 0) markOnce('app:model-loaded');
          setModels((m) => m.map((x, i) => (i === slot ? info : x)));
          setBusy(null);
        })
        .catch((e) => fail(e, `loading ${name}`))
        .finally(() => {
          loadingRef.current[slot] = '';
        });
    });
  }, [backend, index, modelName, pairName, s.compare, models, uploads, client, onProgress, fail, update]);

  // 4. The image: examples and scenes are generated; uploads come from drops.
  const card0 = models[0]?.card as (ModelCard & { sceneSize?: [number, number] }) | undefined;
  // Scenes at the bundled model's size (what it was trained on); 640x480 for checkpoints.
  const sceneSize: [number, number] = card0?.sceneSize ?? (models[0]?.source === 'checkpoint' ? [640, 480] : [192, 144]);
  useEffect(() => {
    const ref = parseImageRef(s.image);
    if (ref.kind === 'upload') {
      if (!img) update({ image: `example:${EXAMPLES[0].seed}` });
      return;
    }
    if (img && img.name === s.image && img.width === sceneSize[0] && img.height === sceneSize[1]) return;
    try {
      const im = sceneImage(ref.seed, sceneSize[0], sceneSize[1], s.image);
      setImg(im);
    } catch (e) {
      fail(e, 'generating the scene');
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.image, sceneSize[0], sceneSize[1]]);

  // 5. Detection, whenever the image or a model changes.
  const runKey = (slot: number) => (models[slot] && img ? `${models[slot]!.name}|${models[slot]!.loadMs}|${img.name}|${img.width}x${img.height}|${inputSize}|${runCount}` : '');
  const key0 = runKey(0);
  const key1 = s.compare === 'side-by-side' ? runKey(1) : '';
  const doneKeys = useRef<string[]>(['', '']);
  useEffect(() => {
    [key0, key1].forEach((key, slot) => {
      if (!key || doneKeys.current[slot] === key || !img) return;
      doneKeys.current[slot] = key;
      const rgb = new Uint8ClampedArray(img.rgb);
      const t0 = performance.now();
      setBusy({ label: 'Running' });
      client
        .call(
          { type: 'detect', slot, rgb, width: img.width, height: img.height, inputSize: inputSize || undefined },
          onProgress(slot === 0 ? 'Running' : 'Running model 2'),
          [rgb.buffer],
        )
        .then((r) => {
          if (doneKeys.current[slot] !== key) return;
          setRuns((prev) => (slot === 0 ? { main: r, second: prev.second } : { ...prev, second: r }));
          setCompleted((c) => c + 1);
          setSlices((prev) => Object.fromEntries(Object.entries(prev).filter(([k]) => !k.startsWith(`${slot}:`))));
          setEncSlice(null);
          setBusy(null);
          setError(null);
          const ms = performance.now() - t0;
          setStatusText(`Ready — ${dedupe(r.detections).length} queries detected, ${ms.toFixed(0)} ms on ${r.backend}`);
        })
        .catch((e) => {
          doneKeys.current[slot] = '';
          fail(e, 'detection');
        });
    });
  }, [key0, key1, img, client, inputSize, onProgress, fail]);

  const info0 = models[0];
  const info1 = models[1];

  // A model card may suggest a display threshold (an under-trained model's scores are low);
  // it applies while the URL does not pin one.
  const suggested = info0?.card?.scoreThreshold;
  useEffect(() => {
    if (suggested === undefined || new URLSearchParams(window.location.search).has('t')) return;
    update({ threshold: suggested });
  }, [info0?.name, suggested, update]);
  const isSmca = !!info0?.config.smca && info0.config.decoder === 'sam';
  const needOff = isSmca && (!s.smcaPrior || s.compare === 'prior-off' || s.overlay === 'diff');

  // 6. The prior-off decoder re-run (SMCA models), cached per detection run.
  const offPending = useRef<RunResult | null>(null);
  useEffect(() => {
    if (!needOff || !runs.main || runs.off || offPending.current === runs.main) return;
    const main = runs.main;
    offPending.current = main;
    setBusy({ label: 'Re-running the decoder with the SMCA prior off' });
    client
      .call({ type: 'rerun', slot: 0, smcaPrior: false }, onProgress('Prior off'))
      .then((r) => {
        setRuns((prev) => (prev.main === main ? { ...prev, off: r } : prev));
        setBusy(null);
        setStatusText(`Prior-off decoder re-run in ${r.timings.reduce((a, t) => a + t.ms, 0).toFixed(0)} ms`);
      })
      .catch((e) => fail(e, 'prior-off re-run'))
      .finally(() => {
        offPending.current = null;
      });
  }, [needOff, runs.main, runs.off, client, onProgress, fail]);

  const primaryVariant: Variant = isSmca && !s.smcaPrior ? 'off' : 'main';
  const primaryRun = primaryVariant === 'off' ? runs.off : runs.main;
  const dets0 = useMemo(() => shown(primaryRun, info0, s.threshold), [primaryRun, info0, s.threshold]);
  const dets1 = useMemo(
    () => (s.compare === 'side-by-side' ? shown(runs.second, info1, s.threshold) : s.compare === 'prior-off' ? shown(runs.off, info0, s.threshold) : []),
    [s.compare, runs.second, runs.off, info1, info0, s.threshold],
  );
  const frame0 = frameOf(runs.main, img);
  const frame1 = s.compare === 'side-by-side' ? frameOf(runs.second, img) : frame0;

  // Synchronised selection across two models: the second model's detection that overlaps most.
  const matchedQuery = useMemo(() => {
    if (s.query === null) return null;
    if (s.compare === 'prior-off') return s.query;
    if (s.compare !== 'side-by-side' || !runs.second) return null;
    const mine = primaryRun && dedupe(primaryRun.detections).find((d) => d.query === s.query);
    if (!mine) return null;
    let best: Detection | null = null;
    let bestIou = 0;
    for (const d of dedupe(runs.second.detections)) {
      const v = iou(mine.box as Box, d.box as Box) * (d.label === mine.label ? 1 : 0.5);
      if (v > bestIou) {
        bestIou = v;
        best = d;
      }
    }
    return best?.query ?? null;
  }, [s.query, s.compare, runs.second, primaryRun]);

  // 7. Slices of the selected query (and its counterparts), fetched once per run.
  const wanted = useMemo(() => {
    const w: [number, Variant, number][] = [];
    if (s.query === null || !runs.main || s.mode !== 'decoder') return w;
    if (primaryVariant === 'main' || runs.off) w.push([0, primaryVariant, s.query]);
    if (isSmca && (s.compare === 'prior-off' || s.overlay === 'diff')) {
      w.push([0, 'main', s.query]);
      if (runs.off) w.push([0, 'off', s.query]);
    }
    if (s.compare === 'side-by-side' && runs.second && matchedQuery !== null) w.push([1, 'main', matchedQuery]);
    return w;
  }, [s.query, s.mode, runs, primaryVariant, isSmca, s.compare, s.overlay, matchedQuery]);
  const inflight = useRef(new Set<string>());
  useEffect(() => {
    for (const [slot, variant, q] of wanted) {
      const k = sliceKey(slot, variant, q);
      if (slices[k] || inflight.current.has(k)) continue;
      inflight.current.add(k);
      const runAt = slot === 0 ? runs.main : runs.second;
      client
        .call({ type: 'querySlice', slot, variant, query: q })
        .then((sl) => {
          const now = slot === 0 ? runs.main : runs.second;
          if (now === runAt) setSlices((p) => ({ ...p, [k]: sl }));
        })
        .catch((e) => fail(e, 'attention slice'))
        .finally(() => inflight.current.delete(k));
    }
  }, [wanted, slices, runs, client, fail]);

  // 8. Encoder self-attention from a clicked location.
  const L = info0?.config.decLayers ?? 6;
  const encL = info0?.config.encLayers ?? 6;
  const maxLayer = s.mode === 'encoder' ? encL : L;
  const layer = Math.min(Math.max(1, s.layer), Math.max(1, maxLayer));
  useEffect(() => {
    if (s.mode !== 'encoder' || !s.encPoint || !runs.main || !frame0) return;
    const cell = imageToCell(s.encPoint as Pt, runs.main.featW, runs.main.featH, frame0);
    if (!cell) return;
    const main = runs.main;
    client
      .call({ type: 'encoderAttention', slot: 0, layer: layer - 1, index: cell.index })
      .then((e) => {
        if (main === runs.main) setEncSlice(e);
      })
      .catch((e) => fail(e, 'encoder attention'));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.mode, s.encPoint?.[0], s.encPoint?.[1], runs.main, layer, client, fail]);

  // Play through the layers (1 .. L), one step per animation.
  useEffect(() => {
    if (!playing) return;
    const id = window.setInterval(() => {
      setS((p) => {
        const cur = Math.min(p.layer, maxLayer);
        if (cur >= maxLayer) {
          setPlaying(false);
          return p;
        }
        return { ...p, layer: cur + 1 };
      });
    }, 900);
    return () => window.clearInterval(id);
  }, [playing, maxLayer]);

  const nHeads = info0?.config.nheads ?? 8;
  const vis = visibleHeads(s.heads, nHeads);
  const li = layer - 1;

  // Build what a view draws from a slice.
  const buildOverlay = (
    view: 0 | 1, dets: ShownDetection[], selected: number | null, slice: QuerySlice | undefined, frame: Frame | null,
    heatSpec: { maps: Float32Array[] | null; kind: MapKind; key: string; combine?: 'mean' } | null,
  ): ViewOverlay => {
    if (!frame) return { ...EMPTY_OVERLAY, detections: dets };
    const o: ViewOverlay = { ...EMPTY_OVERLAY, detections: dets, selected, hovered: view === 0 ? hover : null, showGrid: s.grid };
    o.animKey = `${selected}|${li}`;
    if (slice && s.mode === 'decoder') {
      const l = Math.min(li, slice.layers - 1);
      o.refBox = cxcywhToImageBox(slice.referenceBoxes[l], frame);
      if (slice.roiBoxes) o.roiBox = roiToImageBox(slice.roiBoxes[l], slice.featW, slice.featH, frame);
      if (slice.salientPoints) o.points = vis.filter((h) => h < slice.heads).map((h) => ({ head: h, p: normToImage(slice.salientPoints![l][h] as Pt, frame) }));
    }
    if (heatSpec?.maps) {
      const run = view === 0 || s.compare !== 'side-by-side' ? runs.main : runs.second;
      const key = `${heatSpec.key}|${s.heads}|${s.overlay}`;
      if (run && s.overlay === 'heads' && heatSpec.kind === 'seq' && vis.length) {
        o.heat = { canvas: headsCanvas(heatSpec.maps, vis, HEAD_COLORS.map(hexToRgb), run.featW, run.featH), rect: heatmapRect(frame), key };
      } else {
        const m = meanMaps(heatSpec.maps, vis);
        if (m && run) o.heat = { canvas: mapCanvas(m, run.featW, run.featH, heatSpec.kind), rect: heatmapRect(frame), key };
      }
    }
    if (s.mode === 'encoder' && s.encPoint) o.encPoint = s.encPoint as Pt;
    return o;
  };

  const slice0 = s.query !== null ? slices[sliceKey(0, primaryVariant, s.query)] : undefined;
  // Selecting a query whose slice is already here only redraws; the first time, it is fetched (./perf).
  const selectRef = useRef({ slices, primaryVariant });
  selectRef.current = { slices, primaryVariant };
  const beginSelect = (q: number | null, ev?: { timeStamp?: number }) => {
    const { slices: have, primaryVariant: v } = selectRef.current;
    const cached = q === null || sRef.current.mode !== 'decoder' || !!have[sliceKey(0, v, q)];
    beginInteraction(cached ? 'select-query' : 'select-query-fetch', { query: q, sliceReady: true }, ev);
  };
  const sliceOn = s.query !== null ? slices[sliceKey(0, 'main', s.query)] : undefined;
  const sliceOff = s.query !== null ? slices[sliceKey(0, 'off', s.query)] : undefined;
  const slice1 =
    s.compare === 'side-by-side' && matchedQuery !== null ? slices[sliceKey(1, 'main', matchedQuery)] : s.compare === 'prior-off' ? sliceOff : undefined;

  /** Per-head maps of what the overlay shows, for view 0 / 1. */
  const headMaps = (sl: QuerySlice | undefined, which: Overlay, view: 0 | 1): { maps: Float32Array[] | null; kind: MapKind; key: string; note?: string } => {
    if (s.mode === 'encoder') return { maps: view === 0 && encSlice ? encSlice.attention : null, kind: 'seq', key: `enc|${encSlice?.index}|${encSlice?.layer}` };
    if (!sl) return { maps: null, kind: 'seq', key: '' };
    const l = Math.min(li, sl.layers - 1);
    const key = `${sl.slot}|${sl.variant}|${sl.query}|${l}|${which}`;
    if (which === 'gaussian') {
      if (!sl.gaussian) return { maps: null, kind: 'seq', key, note: isSmca ? 'The SMCA prior is off in this view.' : 'This model has no SMCA prior.' };
      return { maps: sl.gaussian[l].map(gaussianWeight), kind: 'seq', key };
    }
    if (which === 'diff') {
      if (!isSmca) return { maps: null, kind: 'div', key, note: 'The difference view needs an SMCA model (prior on − prior off).' };
      if (!sliceOn || !sliceOff) return { maps: null, kind: 'div', key, note: 'Computing the prior-off attention…' };
      return { maps: sliceOn.attention[l].map((m, h) => diffMaps(m, sliceOff.attention[l][h])), kind: 'div', key: key + '|diff' };
    }
    return { maps: sl.attention[l], kind: 'seq', key };
  };

  const overlay0Kind: Overlay = s.overlay;
  const hm0 = headMaps(slice0, overlay0Kind === 'none' || overlay0Kind === 'heads' ? 'attention' : overlay0Kind, 0);
  const hm1 = headMaps(slice1, s.overlay === 'diff' || s.overlay === 'none' || s.overlay === 'heads' ? 'attention' : s.overlay, 1);
  const ov0 = buildOverlay(0, dets0, s.query, slice0, frame0, s.overlay === 'none' ? null : hm0);
  const ov1 = buildOverlay(1, dets1, matchedQuery, slice1, frame1, s.overlay === 'none' ? null : hm1);

  // Detections that change when the SMCA prior is switched off.
  const changes = useMemo(() => {
    if (!runs.main || !runs.off) return [];
    const on = new Map(dedupe(runs.main.detections).map((d) => [d.query, d]));
    const off = new Map(dedupe(runs.off.detections).map((d) => [d.query, d]));
    const qs = new Set([...on.keys(), ...off.keys()]);
    const out: { query: number; on?: Detection; off?: Detection; what: string; delta: number }[] = [];
    for (const q of qs) {
      const a = on.get(q), b = off.get(q);
      const sa = a?.score ?? 0, sb = b?.score ?? 0;
      const above = (x: number) => x >= s.threshold;
      if (!above(sa) && !above(sb)) continue;
      let what = '';
      if (above(sa) && !above(sb)) what = 'lost without prior';
      else if (!above(sa) && above(sb)) what = 'only without prior';
      else if (a && b && a.label !== b.label) what = 'class changes';
      else if (a && b && iou(a.box as Box, b.box as Box) < 0.7) what = 'box moves';
      else if (Math.abs(sa - sb) >= 0.05) what = 'score changes';
      if (what) out.push({ query: q, on: a, off: b, what, delta: sb - sa });
    }
    return out.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  }, [runs.main, runs.off, s.threshold]);

  // ---- input handling ----
  const handleFile = useCallback(async (file: File) => {
    setError(null);
    const head = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
    let sn = sniff(head, file.name);
    if (sn.kind === 'image' && sn.format === 'png') sn = sniff(new Uint8Array(await file.arrayBuffer()), file.name);
    else if (sn.kind === 'image' && sn.format === 'jpeg') {
      const tail = new Uint8Array(await file.slice(Math.max(0, file.size - 4096)).arrayBuffer());
      const full = new Uint8Array(head.length + tail.length);
      full.set(head);
      full.set(tail, head.length);
      sn = sniff(full, file.name);
    }
    if (sn.kind === 'image') {
      try {
        setBusy({ label: `Decoding ${file.name}` });
        const im = await decodeImage(file, file.name, sn);
        setImg({ ...im, name: `upload:${file.name}:${Date.now()}` });
        update({ image: 'upload', query: null, encPoint: null, zoom: null });
        setStatusText(
          im.origWidth !== im.width
            ? `Loaded ${file.name} (${im.origWidth}×${im.origHeight}, resized to ${im.width}×${im.height})`
            : `Loaded ${file.name} (${im.width}×${im.height})`,
        );
      } catch (e) {
        fail(e instanceof InputError ? e : new Error(`"${file.name}": ${(e as Error).message}`), 'image');
      }
      return;
    }
    if (sn.kind === 'checkpoint') {
      try {
        setBusy({ label: `Reading ${file.name}`, done: 0, total: file.size });
        const info = await client.call({ type: 'loadCheckpoint', slot: 0, file, fileName: file.name }, (p) =>
          setBusy({ label: `Reading ${file.name}: ${p.stage}`, done: p.done, total: p.total }),
        );
        const names =
          info.config.numClasses >= 91
            ? COCO_NAMES
            : info.config.numClasses === CLASS_NAMES.length
              ? [...CLASS_NAMES]
              : Array.from({ length: info.config.numClasses }, (_, i) => `class ${i}`);
        const full = { ...info, classNames: names };
        setUploads((u) => [...u.filter((x) => x.name !== full.name), full]);
        setModels((m) => [full, m[1]]);
        update({ model: full.name, query: null, compare: s.compare === 'side-by-side' ? 'none' : s.compare });
        setBusy(null);
        setStatusText(`Loaded checkpoint ${file.name}`);
      } catch (e) {
        fail(e, `checkpoint "${file.name}"`);
      }
      return;
    }
    if (sn.kind === 'safetensors') {
      fail(new Error(`"${file.name}" is a safetensors file; load bundled models from the model picker, or drop an official SAM-DETR .pth checkpoint.`));
      return;
    }
    fail(new Error(describeUnsupported(sn, file.name)));
  }, [client, fail, update, s.compare]);

  useEffect(() => {
    const over = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      setDragging(false);
      const f = e.dataTransfer?.files?.[0];
      if (f) void handleFile(f);
    };
    const paste = (e: ClipboardEvent) => {
      const f = [...(e.clipboardData?.files ?? [])][0];
      if (f) {
        e.preventDefault();
        void handleFile(f);
      }
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    window.addEventListener('paste', paste);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
      window.removeEventListener('paste', paste);
    };
  }, [handleFile]);

  // ---- exports ----
  const exportBase = () => {
    if (!img) throw new Error('no image');
    return composeBase(img.canvas, ov0.heat, img.width, img.height);
  };
  const exportSvg = () => {
    if (!img) return;
    const svg = buildSvg(exportBase(), svgRefs.current[0], img.width, img.height);
    download(new Blob([svg], { type: 'image/svg+xml' }), 'sam-detr-lens.svg');
  };
  const exportPng = async () => {
    if (!img) return;
    try {
      const svg = buildSvg(img.canvas, svgRefs.current[0], img.width, img.height);
      const base = exportBase();
      const png = await buildPng(base, svg.replace(/<image [^>]*\/>/, ''), img.width, img.height);
      download(png, 'sam-detr-lens.png');
    } catch (e) {
      fail(e, 'PNG export');
    }
  };
  const exportCoco = () => {
    if (!primaryRun || !img) return;
    const ref = parseImageRef(s.image);
    const synthetic = info0?.config.numClasses !== 91;
    const res = toCocoResults(primaryRun.detections, ref.seed, img.origWidth / img.width, img.origHeight / img.height, synthetic ? 1 : 0);
    download(new Blob([JSON.stringify(res, null, 1)], { type: 'application/json' }), 'detections.coco.json');
  };

  // ---- keyboard ----
  const detsRef = useRef(dets0);
  detsRef.current = dets0;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && e.key !== 'Escape') return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const zoom = (f: number) => update((p) => ({ zoom: { ...(p.zoom ?? { z: 1, cx: (img?.width ?? 0) / 2, cy: (img?.height ?? 0) / 2 }), z: Math.min(64, Math.max(0.1, (p.zoom?.z ?? 1) * f)) } }));
      const panBy = (dx: number, dy: number) =>
        update((p) => {
          const z = p.zoom ?? { z: 1, cx: (img?.width ?? 0) / 2, cy: (img?.height ?? 0) / 2 };
          const step = ((img?.width ?? 100) * 0.1) / z.z;
          return { zoom: { ...z, cx: z.cx + dx * step, cy: z.cy + dy * step } };
        });
      const digit = /^Digit([1-8])$/.exec(e.code);
      if (e.key === '?') setHelp((h) => !h);
      else if (e.key === 'Escape') {
        if (help) setHelp(false);
        else update({ query: null });
      } else if (e.shiftKey && e.key.startsWith('Arrow')) {
        e.preventDefault();
        panBy(e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0, e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : 0);
      } else if (e.key === 'ArrowRight' || e.key === ']') {
        e.preventDefault();
        const layerNow = (p: ViewState) => Math.min(maxLayer, Math.min(p.layer, maxLayer) + 1);
        beginInteraction('change-layer', { layer: layerNow(sRef.current) }, e);
        update((p) => ({ layer: layerNow(p) }));
      } else if (e.key === 'ArrowLeft' || e.key === '[') {
        e.preventDefault();
        const layerNow = (p: ViewState) => Math.max(1, Math.min(p.layer, maxLayer) - 1);
        beginInteraction('change-layer', { layer: layerNow(sRef.current) }, e);
        update((p) => ({ layer: layerNow(p) }));
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = detsRef.current;
        if (!d.length) return;
        const next = (p: ViewState) => {
          const i = d.findIndex((x) => x.query === p.query);
          const j = i < 0 ? 0 : Math.min(d.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)));
          return d[j].query;
        };
        beginSelect(next(sRef.current), e);
        update((p) => ({ query: next(p) }));
      } else if (digit) {
        const h = Number(digit[1]) - 1;
        const heads = (p: ViewState) => (e.shiftKey ? soloHead(h) : toggleHead(p.heads, h));
        if (h < nHeads) {
          beginInteraction('toggle-head', { heads: heads(sRef.current) }, e);
          update((p) => ({ heads: heads(p) }));
        }
      } else if (e.key === 'a' || e.key === 'A') {
        beginInteraction('toggle-head', { heads: allHeads(nHeads) }, e);
        update({ heads: allHeads(nHeads) });
      }
      else if (e.key === 's' || e.key === 'S') {
        if (isSmca) update((p) => ({ smcaPrior: !p.smcaPrior }));
      } else if (e.key === 'c' || e.key === 'C') {
        const order: Compare[] = ['none', 'prior-off', 'side-by-side'];
        update((p) => ({ compare: order[(order.indexOf(p.compare) + 1) % order.length] }));
      } else if (e.key === 'o' || e.key === 'O') {
        const order: Overlay[] = ['attention', 'heads', 'gaussian', 'diff', 'none'];
        update((p) => ({ overlay: order[(order.indexOf(p.overlay) + 1) % order.length] }));
      } else if (e.key === 'g' || e.key === 'G') update((p) => ({ grid: !p.grid }));
      else if (e.key === 'e' || e.key === 'E') update((p) => ({ mode: p.mode === 'encoder' ? 'decoder' : 'encoder' }));
      else if (e.key === 'n' || e.key === 'N') update({ image: `scene:${randomSeed()}`, query: null, encPoint: null });
      else if (e.key === '+' || e.key === '=') zoom(1.25);
      else if (e.key === '-' || e.key === '_') zoom(0.8);
      else if (e.key === '0') update({ zoom: null });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [update, img, help, maxLayer, nHeads, isSmca]);

  // Offline: once the first detection is done, hand the service worker every URL used so far.
  const cachedOnce = useRef(false);
  useEffect(() => {
    if (completed < 1 || cachedOnce.current || !('serviceWorker' in navigator) || !import.meta.env.PROD) return;
    cachedOnce.current = true;
    void (async () => {
      try {
        const reg = await navigator.serviceWorker.ready;
        const fromWorker = await client.call({ type: 'resources' });
        const urls = [window.location.href.split('?')[0], ...performance.getEntriesByType('resource').map((e) => e.name), ...fromWorker];
        (navigator.serviceWorker.controller ?? reg.active)?.postMessage({ type: 'cache', urls: [...new Set(urls)] });
      } catch {
        /* offline support is best effort */
      }
    })();
  }, [completed, client]);

  // Test/debug hook (no UI effect).
  useEffect(() => {
    (window as unknown as { __lens: unknown }).__lens = {
      memory: () => client.call({ type: 'memory' }),
      rerun: () => setRunCount((c) => c + 1),
      state: () => s,
      runs: () => runs,
    };
  }, [client, s, runs]);

  // The first-detections mark and the end of a timed interaction (./perf): this effect runs after the
  // children's, where D3 and the canvases drew this commit.
  useEffect(() => {
    if (runs.main) markOnce('app:first-detections');
    endInteraction({ query: s.query, sliceReady: s.query === null || s.mode !== 'decoder' || !!slice0, heads: s.heads, layer, threshold: s.threshold });
  });

  // ---- rendering ----
  const modelOptions = [
    ...(index ?? []).map((m) => ({ value: m.name, label: m.label })),
    ...uploads.map((u) => ({ value: u.name, label: `${u.name.slice(7)} (checkpoint)` })),
  ];
  const placeholder = !!info0?.placeholder;
  const pct = busy?.total ? Math.round(((busy.done ?? 0) / busy.total) * 100) : null;
  const status = busy ? `${busy.label}${pct !== null ? ` ${pct}%` : ''}…` : statusText;
  const sel = s.query !== null ? slice0 : undefined;
  const panels: HeadPanel[] = Array.from({ length: nHeads }, (_, h) => ({
    head: h,
    visible: headVisible(s.heads, h),
    map: hm0.maps?.[h] ?? null,
    point: sel?.salientPoints && frame0 && s.mode === 'decoder' ? normToImage(sel.salientPoints[Math.min(li, sel.layers - 1)][h] as Pt, frame0) : null,
  }));
  const smCaption =
    s.mode === 'encoder'
      ? `Encoder self-attention per head, layer ${layer}`
      : s.overlay === 'gaussian'
        ? `SMCA prior (Gaussian weight) per head, layer ${layer}`
        : s.overlay === 'diff'
          ? `Attention difference per head (prior on − off), layer ${layer}`
          : `Cross-attention per head, decoder layer ${layer}`;
  const titles =
    s.compare === 'side-by-side'
      ? [info0 ? modelTitle(info0) : modelName, info1 ? modelTitle(info1) : pairName ?? '']
      : s.compare === 'prior-off'
        ? [`${info0 ? modelTitle(info0) : ''}: ${s.smcaPrior ? 'SMCA prior on' : 'prior off'}`, 'same model, SMCA prior off (decoder re-run)']
        : [undefined, undefined];
  const onZoom = (z: RelativeZoom | null) => update({ zoom: z });
  const onSelect = (q: number | null, ev?: { timeStamp?: number }) => {
    beginSelect(q, ev);
    update({ query: q });
  };
  const onSelect1 = (q: number | null) => {
    if (s.compare === 'prior-off') return update({ query: q });
    // Selecting in the second model selects the best-overlapping detection of the first.
    if (q === null || !runs.second || !primaryRun) return update({ query: null });
    const d = dedupe(runs.second.detections).find((x) => x.query === q);
    if (!d) return;
    let best: Detection | null = null;
    let bi = 0;
    for (const x of dedupe(primaryRun.detections)) {
      const v = iou(x.box as Box, d.box as Box);
      if (v > bi) {
        bi = v;
        best = x;
      }
    }
    update({ query: best?.query ?? null });
  };
  const onImageClick = s.mode === 'encoder' ? (p: Pt) => update({ encPoint: [p[0], p[1]] }) : undefined;
  const showSecond = s.compare !== 'none' && (s.compare === 'side-by-side' || isSmca);

  return (
    <div className={'app' + (dragging ? ' dragging' : '')}>
      <header className="topbar">
        <h1>
          SAM-DETR Lens <span className="sub">what the decoder looks at</span>
        </h1>
        <label className="field">
          <span>Model</span>
          <select data-testid="model-picker" value={modelName} onChange={(e) => update({ model: e.target.value, query: null, model2: null })} aria-label="Model">
            {modelOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Backend</span>
          <span
            className="badge-backend"
            data-testid="backend-badge"
            data-threads={backend?.threads}
            title={[...(backend?.fallbacks.map((f) => `${f.backend}: ${f.reason}`) ?? []), backend?.threadsNote].filter(Boolean).join('\n') || 'first choice'}
          >
            {backend?.backend ?? '…'}
          </span>
          {backend?.threads !== undefined && (
            <span className="badge-threads" data-testid="backend-threads" title={`${backend.threads} WebAssembly thread${backend.threads > 1 ? 's' : ''}${backend.threadsNote ? `: ${backend.threadsNote}` : ''}`}>
              ×{backend.threads}
            </span>
          )}
          <select value={s.backend} onChange={(e) => update({ backend: e.target.value })} aria-label="Switch backend">
            <option value="">auto</option>
            {BACKENDS.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <div className="status" data-testid="status" role="status" aria-live="polite" data-runs={completed} data-busy={busy ? 'true' : 'false'}>
          {status}
          {busy && pct !== null && <progress max={100} value={pct} aria-label="progress" />}
        </div>
        <button type="button" className="help-btn" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts and help (?)">
          ?
        </button>
      </header>
      {backend && backend.fallbacks.length > 0 && (
        <div className="notice" role="note">
          Running on <b>{backend.backend}</b>
          {s.backend && backend.backend !== s.backend ? ` instead of ${s.backend}` : ''}:{' '}
          {backend.fallbacks.map((f) => `${f.backend} — ${f.reason}`).join('; ')}.
        </div>
      )}
      {placeholder && (
        <div className="notice placeholder" data-testid="placeholder-warning" role="note">
          <b>Untrained placeholder model.</b> Its weights are a deterministic formula, not training: the boxes, points and attention are
          meaningless. They show how the view works until the trained models are bundled.
        </div>
      )}
      {error && (
        <div className="error" data-testid="error-message" role="alert">
          <span>{error}</span>
          <button type="button" onClick={() => setError(null)} aria-label="Dismiss error">
            ×
          </button>
        </div>
      )}
      <nav className="tabs" aria-label="View">
        {(['decoder', 'encoder', 'convergence'] as const).map((m) => (
          <button key={m} type="button" aria-pressed={s.mode === m} className={s.mode === m ? 'on' : ''} onClick={() => update({ mode: m })}>
            {m === 'decoder' ? 'Decoder cross-attention' : m === 'encoder' ? 'Encoder self-attention' : 'Convergence'}
          </button>
        ))}
      </nav>
      {s.mode === 'convergence' ? (
        <main className="convergence-main">
          <ConvergenceView baseUrl={BASE} />
        </main>
      ) : (
        <div className="layout">
          <aside className="left" aria-label="Image and detections">
            <section>
              <h2>Image</h2>
              <label className="field">
                <span>Example</span>
                <select
                  value={parseImageRef(s.image).kind === 'example' ? s.image : ''}
                  onChange={(e) => e.target.value && update({ image: e.target.value, query: null, encPoint: null, zoom: null })}
                  aria-label="Bundled example image"
                >
                  <option value="">{parseImageRef(s.image).kind === 'scene' ? `scene ${parseImageRef(s.image).seed}` : parseImageRef(s.image).kind === 'upload' ? 'your image' : '—'}</option>
                  {EXAMPLES.map((x) => (
                    <option key={x.seed} value={`example:${x.seed}`}>
                      {x.label}
                    </option>
                  ))}
                </select>
              </label>
              <div className="row">
                <button type="button" onClick={() => update({ image: `scene:${randomSeed()}`, query: null, encPoint: null, zoom: null })} title="N">
                  Generate a new scene
                </button>
                <button type="button" onClick={() => fileInput.current?.click()}>
                  Open image or .pth…
                </button>
                <input
                  ref={fileInput}
                  type="file"
                  accept="image/*,.pth,.pt,.ckpt"
                  hidden
                  data-testid="file-input"
                  aria-label="Open an image or checkpoint"
                  onChange={(e) => {
                    const f = e.target.files?.[0];
                    if (f) void handleFile(f);
                    e.target.value = '';
                  }}
                />
              </div>
              <p className="hint">Drop or paste an image (or a SAM-DETR .pth checkpoint) anywhere.</p>
              {img && (
                <p className="muted small">
                  {img.width}×{img.height}
                  {img.origWidth !== img.width ? ` (from ${img.origWidth}×${img.origHeight})` : ''}
                  {runs.main ? ` → model input ${runs.main.resized[1]}×${runs.main.resized[0]}, features ${runs.main.featW}×${runs.main.featH}` : ''}
                </p>
              )}
            </section>
            <section>
              <label className="field col">
                <span>
                  Score threshold: <b>{s.threshold.toFixed(2)}</b>
                </span>
                <input
                  type="range"
                  min={0}
                  max={1}
                  step={0.01}
                  value={s.threshold}
                  data-testid="score-threshold"
                  aria-label="Score threshold"
                  onChange={(e) => {
                    beginInteraction('change-threshold', { threshold: Number(e.target.value) }, e);
                    update({ threshold: Number(e.target.value) });
                  }}
                />
              </label>
              <h2>
                Detected queries <span className="muted">({dets0.length})</span>
              </h2>
              <QueryList
                detections={dets0}
                selected={s.query}
                hovered={hover}
                onSelect={onSelect}
                onHover={setHover}
                badge={(q) => {
                  const c = s.compare === 'prior-off' || s.overlay === 'diff' ? changes.find((x) => x.query === q) : undefined;
                  return c ? c.what : null;
                }}
              />
            </section>
          </aside>
          <main className="center">
            <div className={'views' + (showSecond ? ' two' : '')} data-testid="image-drop" aria-label="Image view: drop an image here">
              <ImageView
                id={0}
                title={titles[0]}
                image={img?.canvas ?? null}
                imgW={img?.width ?? 1}
                imgH={img?.height ?? 1}
                overlay={ov0}
                zoom={s.zoom}
                onZoom={onZoom}
                onSelect={onSelect}
                onHover={setHover}
                onImageClick={onImageClick}
                svgRef={(el) => (svgRefs.current[0] = el)}
                busy={!!busy}
              />
              {showSecond && (
                <ImageView
                  id={1}
                  title={titles[1]}
                  image={img?.canvas ?? null}
                  imgW={img?.width ?? 1}
                  imgH={img?.height ?? 1}
                  overlay={ov1}
                  zoom={s.zoom}
                  onZoom={onZoom}
                  onSelect={onSelect1}
                  onHover={() => {}}
                  svgRef={(el) => (svgRefs.current[1] = el)}
                />
              )}
              {dragging && <div className="drop-hint">Drop an image or a .pth checkpoint</div>}
            </div>
            <div className="controls">
              <label className="field layer">
                <span>
                  {s.mode === 'encoder' ? 'Encoder' : 'Decoder'} layer <b>{layer}</b> / {maxLayer}
                </span>
                <input
                  type="range"
                  min={1}
                  max={Math.max(1, maxLayer)}
                  step={1}
                  value={layer}
                  data-testid="layer-slider"
                  aria-label={s.mode === 'encoder' ? 'Encoder layer' : 'Decoder layer'}
                  onChange={(e) => {
                    beginInteraction('change-layer', { layer: Number(e.target.value) }, e);
                    update({ layer: Number(e.target.value) });
                  }}
                />
              </label>
              <button
                type="button"
                aria-label={playing ? 'Stop' : 'Play through the layers'}
                title={playing ? 'Stop' : 'Play through the layers (from layer 1)'}
                onClick={() => {
                  if (!playing) update({ layer: 1 });
                  setPlaying(!playing);
                }}
              >
                {playing ? '■' : '▶'}
              </button>
              <HeadToggles
                heads={nHeads}
                mask={s.heads}
                onToggle={(h) => {
                  beginInteraction('toggle-head', { heads: toggleHead(sRef.current.heads, h) });
                  update((p) => ({ heads: toggleHead(p.heads, h) }));
                }}
                onSolo={(h) => {
                  beginInteraction('toggle-head', { heads: soloHead(h) });
                  update({ heads: soloHead(h) });
                }}
                onAll={() => {
                  beginInteraction('toggle-head', { heads: allHeads(nHeads) });
                  update({ heads: allHeads(nHeads) });
                }}
              />
              <label className="field">
                <span>Overlay</span>
                <select value={s.overlay} onChange={(e) => update({ overlay: e.target.value as Overlay })} aria-label="Heatmap overlay">
                  <option value="attention">attention (mean of visible heads)</option>
                  <option value="heads">attention, each head in its colour</option>
                  <option value="gaussian">SMCA prior (Gaussian map)</option>
                  <option value="diff">difference: prior on − off</option>
                  <option value="none">none</option>
                </select>
              </label>
              <label className="check">
                <input type="checkbox" checked={s.grid} onChange={(e) => update({ grid: e.target.checked })} /> 7×7 RoI grid
              </label>
            </div>
            {s.mode === 'encoder' && !s.encPoint && <p className="hint">Click a location on the image to see the encoder self-attention from it, per head.</p>}
            {s.mode === 'decoder' && s.query === null && dets0.length > 0 && (
              <p className="hint">Select a query (click a box or a list entry, or press ↓) to see its reference box, RoI grid, salient points and attention.</p>
            )}
            {hm0.note && s.overlay !== 'none' && <p className="hint">{hm0.note}</p>}
            {img && frame0 && runs.main && (s.mode === 'encoder' ? !!encSlice : !!slice0) && (
              <SmallMultiples
                image={img.canvas}
                imgW={img.width}
                imgH={img.height}
                featW={runs.main.featW}
                featH={runs.main.featH}
                heatRect={heatmapRect(frame0)}
                kind={hm0.kind}
                refBox={ov0.refBox}
                panels={panels}
                caption={smCaption}
                onShow={(h) => update((p) => ({ heads: p.heads | (1 << h) }))}
                onSolo={(h) => update({ heads: soloHead(h) })}
              />
            )}
          </main>
          <aside className="right" aria-label="Details">
            <section>
              <h2>SMCA</h2>
              <button
                type="button"
                role="switch"
                aria-checked={isSmca ? s.smcaPrior : false}
                disabled={!isSmca}
                data-testid="smca-toggle"
                className={'switch' + (isSmca && s.smcaPrior ? ' on' : '')}
                onClick={() => update((p) => ({ smcaPrior: !p.smcaPrior }))}
                title={isSmca ? 'S: switch the Gaussian prior off and re-run the decoder only' : 'This model was not trained with SMCA'}
              >
                SMCA prior: {isSmca ? (s.smcaPrior ? 'on' : 'off') : 'n/a'}
              </button>
              {!isSmca && <p className="muted small">This model has no SMCA prior. Compare it side by side with an SMCA model instead.</p>}
              <label className="field col">
                <span>Compare</span>
                <select value={s.compare} onChange={(e) => update({ compare: e.target.value as Compare })} aria-label="Comparison mode" data-testid="compare-mode">
                  <option value="none">no comparison</option>
                  <option value="prior-off" disabled={!isSmca}>
                    same model, prior on vs off
                  </option>
                  <option value="side-by-side">two models side by side</option>
                </select>
              </label>
              {s.compare === 'side-by-side' && (
                <label className="field col">
                  <span>Second model</span>
                  <select value={pairName ?? ''} onChange={(e) => update({ model2: e.target.value })} aria-label="Second model">
                    {(index ?? []).map((m) => (
                      <option key={m.name} value={m.name}>
                        {m.label}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              {isSmca && runs.off && (
                <div className="changes">
                  <h3>Detections that change without the prior ({changes.length})</h3>
                  {changes.length === 0 ? (
                    <p className="muted small">None above the threshold.</p>
                  ) : (
                    <table data-testid="smca-changes">
                      <thead>
                        <tr>
                          <th>query</th>
                          <th>on</th>
                          <th>off</th>
                          <th>change</th>
                        </tr>
                      </thead>
                      <tbody>
                        {changes.slice(0, 12).map((c) => (
                          <tr key={c.query} className={c.query === s.query ? 'sel' : ''} onClick={() => update({ query: c.query })}>
                            <td>
                              <button type="button" className="linkish" onClick={() => update({ query: c.query })}>
                                #{c.query}
                              </button>
                            </td>
                            <td>{c.on ? `${className(info0, c.on.label)} ${(c.on.score * 100).toFixed(0)}%` : '—'}</td>
                            <td>{c.off ? `${className(info0, c.off.label)} ${(c.off.score * 100).toFixed(0)}%` : '—'}</td>
                            <td>{c.what}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </div>
              )}
            </section>
            {sel && (
              <section>
                <h2>Query #{s.query} across layers</h2>
                <table className="layers" data-testid="layer-table">
                  <thead>
                    <tr>
                      <th>layer</th>
                      <th>class</th>
                      <th>score</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sel.predictions.map((p, i) => (
                      <tr key={i} className={i === li ? 'sel' : ''} onClick={() => update({ layer: i + 1 })}>
                        <td>{i + 1}</td>
                        <td>{className(info0, p.label)}</td>
                        <td>{(p.score * 100).toFixed(1)}%</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            )}
            <section>
              <h2>Model</h2>
              {info0 ? <ModelDetails info={info0} /> : <p className="muted">loading…</p>}
              <label className="field">
                <span>Input size</span>
                <select value={inputSize} onChange={(e) => setInputSize(Number(e.target.value))} aria-label="Model input size (shorter side)">
                  <option value={0}>model default ({info0?.inputSize ?? '…'})</option>
                  {[128, 256, 320, 480, 640, 800].map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
            </section>
            {runs.main && (
              <section>
                <h2>Timings</h2>
                <table className="timings" data-testid="timings">
                  <tbody>
                    {[...runs.main.timings, ...(runs.off?.timings ?? []).filter((t) => t.stage.includes('prior'))].map((t) => (
                      <tr key={t.stage}>
                        <th scope="row">{t.stage}</th>
                        <td>{t.ms.toFixed(0)} ms</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <button type="button" data-testid="rerun" onClick={() => setRunCount((c) => c + 1)}>
                  Run again
                </button>
              </section>
            )}
            <section>
              <h2>Export</h2>
              <div className="row">
                <button type="button" data-testid="export-png" onClick={exportPng} disabled={!img}>
                  PNG
                </button>
                <button type="button" data-testid="export-svg" onClick={exportSvg} disabled={!img}>
                  SVG
                </button>
                <button type="button" data-testid="export-coco" onClick={exportCoco} disabled={!primaryRun}>
                  COCO JSON
                </button>
              </div>
              <p className="muted small">The image at its own resolution with the current overlays; COCO results hold all top-k detections.</p>
            </section>
          </aside>
        </div>
      )}
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}

function modelTitle(info: ModelInfo): string {
  const c = info.config;
  const kind = c.decoder === 'detr' ? 'DETR-style baseline' : c.smca ? 'SAM-DETR + SMCA' : 'SAM-DETR';
  return `${kind}${info.placeholder ? ' (untrained placeholder)' : ''}`;
}

function ModelDetails({ info }: { info: ModelInfo }) {
  const c = info.config;
  return (
    <div className="model-details" data-testid="model-details">
      <p>
        <b>{modelTitle(info)}</b>
        {info.source === 'checkpoint' ? ` — ${info.name.slice(7)}` : ` — ${info.name}`}
      </p>
      <dl>
        <dt>backbone</dt>
        <dd>
          {c.backbone}
          {c.backboneWidth !== 64 ? ` (width ${c.backboneWidth})` : ''}
          {c.dilation ? ', DC5' : ''}
        </dd>
        <dt>SMCA</dt>
        <dd>{c.smca ? 'yes' : 'no'}</dd>
        <dt>layers</dt>
        <dd>
          {c.encLayers} enc / {c.decLayers} dec, {c.nheads} heads, d={c.hiddenDim}
        </dd>
        <dt>queries</dt>
        <dd>
          {c.numQueries}, {c.numClasses} classes
        </dd>
        {info.epoch !== undefined && (
          <>
            <dt>epochs</dt>
            <dd>{info.epoch + 1}</dd>
          </>
        )}
        {info.card?.epochs !== undefined && info.source === 'bundled' && (
          <>
            <dt>trained</dt>
            <dd>{info.card.epochs} epochs</dd>
          </>
        )}
        {info.card?.val && Object.keys(info.card.val).length > 0 && (
          <>
            <dt>val</dt>
            <dd>
              {Object.entries(info.card.val)
                .filter(([k]) => k === 'AP' || k === 'AP50')
                .map(([k, v]) => `${k} ${(v * (v <= 1 ? 100 : 1)).toFixed(1)}`)
                .join(', ')}
            </dd>
          </>
        )}
        <dt>params</dt>
        <dd>
          {(info.params / 1e6).toFixed(2)} M ({fmtBytes(info.params * 4)} f32)
        </dd>
      </dl>
      {info.report && info.report.length > 0 && (
        <details open data-testid="checkpoint-report">
          <summary>Detected from the checkpoint</summary>
          <ul>
            {info.report.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
