import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { WorkerClient } from './workerClient';
import { LensSession, sliceKey } from './session/LensSession';
import { useLensEffects } from './session/useLensEffects';
import { useViewState } from './state/useViewState';
import { derive, variantOf, wantedSlices } from './derive';
import type { Variant } from '../worker/messages';
import { FIRST_VIEW_OBJECT, visibleHeads } from './state';
import { heatmapRect, stepCell, type Frame, type Pt } from './geometry';
import { heatCanvas } from './heatCanvas';
import { useTestHook } from './hooks/useTestHook';
import { ViewHints } from './components/ViewHints';
import { sceneImage, parseImageRef, randomSeed } from './scenes';
import type { DecodedImage } from './imageInput';
import * as vm from './viewModel';
import { useKeyboard } from './hooks/useKeyboard';
import { useFileDrop } from './hooks/useFileDrop';
import { useFileHandler } from './hooks/useFileHandler';
import { useRestoredUpload } from './hooks/useRestoredUpload';
import { useModelIndex } from './hooks/useModelIndex';
import { useOfflineCache } from './hooks/useOfflineCache';
import { endInteraction, markOnce } from './perf';
import { exportCoco, exportPng, exportSvg } from './exportView';
import { TopBar } from './components/TopBar';
import { Notices } from './components/Notices';
import { ImagePanel } from './components/ImagePanel';
import { ViewerControls } from './components/ViewerControls';
import { SmcaPanel } from './components/SmcaPanel';
import { LayerTable } from './components/LayerTable';
import { ModelPanel } from './components/ModelPanel';
import { TimingsPanel } from './components/TimingsPanel';
import { ExportPanel } from './components/ExportPanel';
import { ImageView, type ViewOverlay } from './components/ImageView';
import { SmallMultiples } from './components/SmallMultiples';
import { HelpOverlay } from './components/HelpOverlay';
import { ConvergenceView } from './components/ConvergenceView';
import { DomainWarning } from './components/DomainWarning';
import { StoredCheckpoints } from './components/StoredCheckpoints';
import { ZooPanel } from './components/ZooPanel';
import { CompareAttention } from './components/CompareAttention';
import { ModeTabs } from './components/ModeTabs';
import { SamplingPanel } from './components/SamplingPanel';
import { useEncoderSampling } from './hooks/useEncoderSampling';
import { DecoderSamplingPanel } from './components/DecoderSamplingPanel';
import { decoderMarks, deformableGeometry } from './deformable';
import { featuresNote, layerLevelNote, mapGrid } from './multiScale';
import { EffectPanel } from './components/EffectPanel';
import { effectView, secondQueryFor } from './effectView';
import { modelAtEpoch, sharedEpochs } from './timeline';
import { EpochSlider } from './components/EpochSlider';
import { ClaimIntro } from './components/ClaimIntro';
import { useKeptObject } from './hooks/useKeptObject';
import type { TruthObject } from './effect';
import { referenceMark } from './conditional';
import { ConditionalPanel } from './components/ConditionalPanel';
import { anchorTrailFor } from './anchorTrail';
import { querySlotsOf } from './querySlots';

const BASE = import.meta.env.BASE_URL;

/** Composes the session (async data), the view state (URL) and the selectors into the panels. */
export function App() {
  const client = useMemo(() => new WorkerClient(), []);
  useEffect(() => () => client.terminate(), [client]);
  const session = useMemo(() => new LensSession(client), [client]);
  const st = useSyncExternalStore(session.subscribe, session.getSnapshot);
  // Whether selecting query q needs a fetch (for interaction timing): the slice of the variant shown.
  const primaryVariantRef = useRef<Variant>('main');
  const [s, dispatch] = useViewState(
    (q) => !!session.getSnapshot().slices[sliceKey(0, primaryVariantRef.current, q)],
    (q, settled) => void session.fetchSlice(0, primaryVariantRef.current, q, settled),
  );
  const [help, setHelp] = useState(false);
  const [hover, setHover] = useState<number | null>(null);
  const [playing, setPlaying] = useState(false);
  const inputSize = s.inputSize;
  const [runCount, setRunCount] = useState(0);
  const [upload, setUpload] = useState<DecodedImage | null>(null);
  const svgRefs = useRef<(SVGSVGElement | null)[]>([null, null]);
  const onIndexError = useCallback((e: unknown) => session.fail(e, 'model list'), [session]);
  const index = useModelIndex(BASE, onIndexError);

  const [info0, info1] = st.models;
  const modelName = s.model || (index?.find((m) => m.default)?.name ?? index?.[0]?.name ?? '');
  const pairName = vm.pairFor(modelName, s.model2, index, st.shelf.items);

  // The image: scenes at the main model's training size (640x480 for checkpoints), or the upload.
  const [sw, sh] = info0?.card?.sceneSize ?? (info0?.source === 'checkpoint' ? [640, 480] : [192, 144]);
  const ref = parseImageRef(s.image);
  const img = useMemo(() => (ref.kind === 'upload' ? upload : sceneImage(ref.seed, sw, sh, s.image)), [ref.kind, ref.seed, s.image, sw, sh, upload]);

  // A model's suggested threshold applies until the user picks one; a model without one gets the default.
  useEffect(() => {
    if (info0) dispatch({ type: 'suggestThreshold', threshold: info0.card?.scoreThreshold ?? 0.3 });
  }, [info0, dispatch]);
  // A query from a link beyond the model's count is dropped once the count is known.
  useEffect(() => {
    if (info0) dispatch({ type: 'queryCount', count: querySlotsOf(info0) });
  }, [info0, dispatch]);

  const { models, runs } = st;
  const d = useMemo(() => derive(s, { models }), [s, models]);
  const { isSmca, priorOn, needOff, primaryVariant, maxLayer, layer, layerIndex: li } = d;
  useLayoutEffect(() => {
    primaryVariantRef.current = primaryVariant;
  });
  const mainRun = st.runs.main?.result;
  const offRun = st.runs.off?.result;
  const secondRun = st.runs.second?.result;
  const primaryRun = primaryVariant === 'off' ? offRun : mainRun;
  const dets0 = useMemo(() => vm.shownDetections(primaryRun, info0, s.threshold, s.merge), [primaryRun, info0, s.threshold, s.merge]);
  const dets1 = useMemo(
    () => (s.compare === 'side-by-side' ? vm.shownDetections(secondRun, info1, s.threshold, s.merge) : s.compare === 'prior-off' ? vm.shownDetections(offRun, info0, s.threshold, s.merge) : []),
    [s.compare, secondRun, offRun, info1, info0, s.threshold, s.merge],
  );
  // Kept while the run and image stay (the sampling marks and panels compare it by reference).
  const frame0 = useMemo(() => vm.frameOf(mainRun, img), [mainRun, img]);
  const frame1 = s.compare === 'side-by-side' ? vm.frameOf(secondRun, img) : frame0;
  // Generated scenes know their objects; an uploaded photo does not.
  const truth = (img && 'truth' in img ? (img as { truth: TruthObject[] }).truth : null) ?? null;
  const matched = useMemo(
    () => s.compare === 'prior-off'
      ? s.query
      : s.compare === 'side-by-side' && primaryRun && secondRun
        ? secondQueryFor([primaryRun.detections, secondRun.detections], s.query, truth, vm.matchQuery(primaryRun, secondRun, s.query, true))
        : null,
    [s.compare, s.query, primaryRun, secondRun, truth],
  );
  // The effect panel: the selected object and every object both compared models found, measured per layer.
  const frame0e = useMemo(() => vm.frameOf(primaryRun, img), [primaryRun, img]);
  const frame1e = useMemo(() => vm.frameOf(secondRun, img), [secondRun, img]);
  const effectHeadsKey = visibleHeads(s.heads, d.heads).join();
  const effect = useMemo(() => {
    if (s.compare !== 'side-by-side' || s.mode !== 'decoder' || !primaryRun || !secondRun || !frame0e || !frame1e) return null;
    return effectView({
      dets: [primaryRun.detections, secondRun.detections], shown0: dets0.map((d) => d.query), truth, frames: [frame0e, frame1e],
      selected: s.query !== null && matched !== null ? [s.query, matched] : null, heads: effectHeadsKey.split(',').filter(Boolean).map(Number),
      match: (q) => vm.matchQuery(primaryRun, secondRun, q, true),
      slice: (m, q) => vm.sliceOf(st.slices, m, variantOf(d, m), q),
    });
  }, [s.compare, s.mode, s.query, matched, primaryRun, secondRun, frame0e, frame1e, dets0, truth, effectHeadsKey, st.slices, d]);
  const effectWanted = effect?.wanted;
  // The timeline: snapshot epochs all shown bundled models share; a new epoch keeps the selected true object.
  const timeline = useMemo(() => sharedEpochs(index, [modelName, s.compare === 'side-by-side' ? pairName : null]), [index, modelName, pairName, s.compare]);
  const [firstVisit] = useState(() => !window.location.search);
  const [intro, setIntro] = useState(firstVisit);
  useKeptObject(primaryRun, s.query, truth, dispatch, firstVisit ? FIRST_VIEW_OBJECT : null);
  const wanted = useMemo(() => wantedSlices(s, { models, runs }, d, matched, effectWanted), [s, models, runs, d, matched, effectWanted]);

  const nHeads = d.heads;
  const encoder = s.mode === 'encoder' && s.encPoint && frame0 ? { layer, point: s.encPoint as Pt, frame: frame0 } : null;
  useLensEffects(session, st, { s, dispatch, index, modelName: modelAtEpoch(modelName, s.epoch, index), pairName: pairName && modelAtEpoch(pairName, s.epoch, index), image: img, inputSize, runCount, baseUrl: new URL(BASE, window.location.href).href, wanted, needOff, encoder });

  // Play through the layers, one step per animation.
  useEffect(() => {
    if (!playing) return;
    const id = window.setTimeout(() => (layer >= maxLayer ? setPlaying(false) : dispatch({ type: 'stepLayer', delta: 1, maxLayer })), 900);
    return () => window.clearTimeout(id);
  }, [playing, layer, maxLayer, dispatch]);

  const order = useMemo(() => dets0.map((d) => d.query), [dets0]);
  const newScene = useCallback(() => `scene:${randomSeed()}`, []);
  const selectedBox = (dets0.find((d) => d.query === s.query)?.box ?? null) as [number, number, number, number] | null;
  const encoderStep = s.mode === 'encoder' && mainRun && frame0 && img
    ? (dx: number, dy: number) => stepCell(s.encPoint as Pt | null, dx, dy, mainRun.featW, mainRun.featH, frame0, img.width, img.height)
    : null;
  useKeyboard(dispatch, { maxLayer, nHeads, isSmca: isSmca && s.mode === 'decoder', order, imgW: img?.width ?? 0, imgH: img?.height ?? 0, newScene, selectedBox, encoderStep }, help, setHelp);
  const leaveSideBySide = useCallback(() => s.compare === 'side-by-side' && dispatch({ type: 'setCompare', compare: 'none' }), [s.compare, dispatch]);
  const handleFile = useFileHandler(session, dispatch, setUpload, leaveSideBySide);
  useRestoredUpload(ref.kind === 'upload' && !upload, handleFile, session, dispatch);
  const dragging = useFileDrop((f) => void handleFile(f));
  const bundledNames = useMemo(() => index?.map((m) => m.name) ?? null, [index]);
  useOfflineCache(st.completed, client, BASE, bundledNames);

  // What the views draw.
  const vis = visibleHeads(s.heads, nHeads);
  const slice0 = vm.sliceOf(st.slices, 0, primaryVariant, s.query);
  const pair = { on: vm.sliceOf(st.slices, 0, 'main', s.query), off: vm.sliceOf(st.slices, 0, 'off', s.query) };
  const slice1 = s.compare === 'side-by-side' ? vm.sliceOf(st.slices, 1, 'main', matched) : s.compare === 'prior-off' ? pair.off : undefined;
  const which = (o: typeof s.overlay, view: 0 | 1) => (o === 'none' || o === 'heads' || (view === 1 && o === 'diff') ? 'attention' : o);
  const hm0 = vm.headMaps(s, slice0, which(s.overlay, 0), li, isSmca, pair, st.encSlice, 0);
  const hm1 = vm.headMaps(s, slice1, which(s.overlay, 1), li, isSmca, pair, st.encSlice, 1);
  const sampling = useEncoderSampling(st.encPoints, mainRun, frame0, s, nHeads, dispatch);
  const overlay = (view: 0 | 1, dets: typeof dets0, selected: number | null, slice: typeof slice0, frame: typeof frame0, hm: typeof hm0): ViewOverlay => {
    const run = view === 1 && s.compare === 'side-by-side' ? st.runs.second : st.runs.main;
    // A multi-scale decoder layer's maps are on the level it reads, not the run's finest grid.
    const g = run ? mapGrid(s.mode, slice, li, run.result) : null;
    const heat = frame && run && g && s.overlay !== 'none' ? heatCanvas(hm, `${view}:${run.gen}`, vis, s.heads, s.overlay === 'heads', g.featW, g.featH, heatmapRect(frame), s.contrast) : null;
    const geo = s.mode === 'decoder' ? vm.queryGeometry(slice, frame, li, vis) : { refBox: null, roiBox: null, points: [] };
    // Deformable DETR's decoder tab: the query's sampling points at the layer; else the encoder tab's of the clicked location.
    const samples = s.mode === 'decoder' && slice?.sampling ? decoderMarks(view, slice, frame, li, vis) : view === 0 ? sampling.marks : vm.EMPTY_OVERLAY.samples;
    const deformable = s.mode === 'decoder' && slice?.sampling && frame ? deformableGeometry(slice.sampling, frame, li) : null;
    const anchorTrail = s.mode === 'decoder' ? anchorTrailFor(view === 1 && s.compare === 'side-by-side' ? info1 : info0, slice, frame, li) : null;
    const refPoint = s.mode === 'decoder' ? referenceMark(slice, frame, li) : null;
    return { detections: dets, selected, hovered: view === 0 ? hover : null, showGrid: s.grid, ...geo, heat, encPoint: s.mode === 'encoder' && s.encPoint ? (s.encPoint as Pt) : null, samples, anchorTrail, deformable, refPoint, animKey: `${selected}|${li}` };
  };
  const ov0 = frame0 ? overlay(0, dets0, s.query, slice0, frame0, hm0) : { ...vm.EMPTY_OVERLAY, detections: dets0 };
  const ov1 = frame1 ? overlay(1, dets1, matched, slice1, frame1, hm1) : { ...vm.EMPTY_OVERLAY, detections: dets1 };
  const changes = useMemo(() => (isSmca ? vm.smcaChanges(mainRun, offRun, s.threshold) : []), [isSmca, mainRun, offRun, s.threshold]);
  const showChanges = isSmca && !!offRun && s.mode === 'decoder' && (s.compare === 'prior-off' || s.overlay === 'diff' || !priorOn);
  // Per-head small multiples of one view, on the grid its maps lie on (a multi-scale layer's level).
  const multiples = (run: typeof mainRun, hm: typeof hm0, slice: typeof slice0, frame: Frame, refBox: ViewOverlay['refBox'], title?: string) => img && run && (
    <SmallMultiples image={img.canvas} imgW={img.width} imgH={img.height} {...mapGrid(s.mode, slice, li, run)} heatRect={heatmapRect(frame)} kind={hm.kind} contrast={s.contrast} refBox={refBox}
      panels={vm.headPanels(s, nHeads, li, hm, slice, frame)} caption={(title ? `${title}: ` : '') + vm.panelCaption(s, shownLayer(slice), mapGrid(s.mode, slice, li, run)) + (shownLayer(slice) < layer ? ' (its last)' : '')} {...headActs} />
  );
  // A compared model with fewer decoder layers shows its last one where the slider is past it.
  const shownLayer = (slice: typeof slice0) => (s.mode === 'decoder' && slice ? Math.min(layer, slice.layers) : layer);
  const headActs = { onShow: (h: number) => dispatch({ type: 'showHead', head: h }), onSolo: (h: number) => dispatch({ type: 'soloHead', head: h }) };
  const titles = vm.viewTitles(s, info0, info1, modelName, pairName);
  // Conditional DETR's views (either side of a comparison): the cross-attention beside its spatial and content parts.
  const conditionalSides = ([[slice0, frame0, 0], [slice1, frame1, 1]] as const).flatMap(([sl, fr, i]) =>
    sl?.spatialAttention && fr && (i === 0 || s.compare === 'side-by-side') ? [{ title: s.compare === 'side-by-side' ? titles[i] : undefined, slice: sl, frame: fr }] : []);
  const showSecond = s.compare !== 'none' && (s.compare === 'side-by-side' || isSmca);
  const onToggle1 = (q: number | null) => dispatch({ type: 'selectQuery', query: s.compare === 'prior-off' ? q : vm.matchQuery(secondRun, primaryRun, q, false), toggle: true });

  useTestHook(client, s, st.runs, setRunCount);

  // The page-load marks and the end of a timed interaction (./perf), after the children drew.
  useEffect(() => {
    if (st.backend) markOnce('app:backend-ready');
    if (info0) markOnce('app:model-loaded');
    if (mainRun) markOnce('app:first-detections');
    endInteraction({ query: s.query, sliceReady: s.query === null || s.mode !== 'decoder' || !!slice0, heads: s.heads, layer, threshold: s.threshold });
  });

  // A cancelled checkpoint is not read again by itself: the default model comes back.
  const cancel = () => { session.cancel(); if (modelName.startsWith('upload:')) dispatch({ type: 'setModel', model: '' }); };
  const exportSource = () => (img ? { img, heat: ov0.heat, svg: svgRefs.current[0] } : null);
  const modelOptions = vm.modelChoices(index, st.uploads, st.shelf.items, modelName);
  return (
    <div className={'app' + (dragging ? ' dragging' : '')}>
      <TopBar
        models={modelOptions} model={modelName} onModel={(m) => dispatch({ type: 'setModel', model: m })} backend={st.backend} requestedBackend={s.backend}
        onBackend={(b) => dispatch({ type: 'setBackend', backend: b })} busy={st.busy} statusText={st.statusText} completed={st.completed} onHelp={() => setHelp(true)} onCancel={cancel}
      />
      <Notices backend={st.backend} requestedBackend={s.backend} placeholder={!!info0?.placeholder} error={st.error} errorDetails={st.errorDetails} onDismiss={() => session.setError(null)} modelWarnings={info0?.warnings}
        storeNote={st.shelf.note} onDismissStore={() => session.shelf.dismissNote()} />
      <ModeTabs mode={s.mode} dispatch={dispatch} />
      {s.mode === 'convergence' ? (
        <main className="convergence-main">
          <ConvergenceView baseUrl={BASE} epoch={s.epoch} />
        </main>
      ) : (
        <div className="layout">
          <ImagePanel
            image={s.image} size={img} runNote={mainRun ? `model input ${mainRun.resized[1]}×${mainRun.resized[0]}, ${featuresNote(mainRun)}` : null}
            threshold={s.threshold} merge={s.merge} detections={dets0} ranked={primaryRun?.detections} pending={mainRun ? null : st.busy ? 'running' : 'none'} selected={s.query} hovered={hover} onHover={setHover} onFile={(f) => void handleFile(f)} dispatch={dispatch}
            badge={(q) => (showChanges ? (changes.find((x) => x.query === q)?.what ?? null) : null)}
          />
          <main className="center">
            {intro && s.compare === 'side-by-side' && s.mode === 'decoder' && (
              <ClaimIntro epoch={s.epoch} onDismiss={() => setIntro(false)}
                onExplore={() => { setIntro(false); dispatch({ type: 'setCompare', compare: 'none' }); dispatch({ type: 'setEpoch', epoch: 0 }); }} />
            )}
            {timeline.length > 0 && s.mode === 'decoder' && (
              <EpochSlider epochs={timeline} epoch={s.epoch} dispatch={dispatch}
                publishedNote={`published models${info0?.card?.epochs && !s.epoch ? ` (${info0.card.epochs} epochs)` : ''}`} />
            )}
            <div className={'views' + (showSecond ? ' two' : '')} data-testid="image-drop" aria-label="Image view: drop an image here">
              <ImageView
                id={0} title={titles[0]} image={img?.canvas ?? null} imgW={img?.width ?? 1} imgH={img?.height ?? 1} overlay={ov0} zoom={s.zoom}
                onZoom={(z) => dispatch({ type: 'setZoom', zoom: z })} onToggle={(q, ev) => dispatch({ type: 'selectQuery', query: q, toggle: true }, ev)} onHover={setHover}
                onImageClick={s.mode === 'encoder' ? (p: Pt) => dispatch({ type: 'setEncPoint', point: [p[0], p[1]] }) : undefined}
                svgRef={(el) => (svgRefs.current[0] = el)} busy={!!st.busy}
                legend={s.overlay === 'none' || !hm0.maps ? null : { kind: hm0.kind, contrast: s.contrast }}
              />
              {showSecond && (
                <ImageView
                  id={1} title={titles[1]} image={img?.canvas ?? null} imgW={img?.width ?? 1} imgH={img?.height ?? 1} overlay={ov1} zoom={s.zoom}
                  onZoom={(z) => dispatch({ type: 'setZoom', zoom: z })} onToggle={onToggle1} onHover={() => {}} svgRef={(el) => (svgRefs.current[1] = el)}
                  legend={s.overlay === 'none' || !hm1.maps ? null : { kind: hm1.kind, contrast: s.contrast }}
                />
              )}
              {dragging && <div className="drop-hint">Drop an image or a .pth checkpoint</div>}
              {info0?.source === 'bundled' && ref.kind === 'upload' && <DomainWarning classes={info0.classNames} />}
              {info0?.source === 'checkpoint' && info0.config.numClasses >= 91 && ref.kind !== 'upload' && <DomainWarning classes={info0.classNames} photoModel />}
            </div>
            <ViewerControls mode={s.mode} layer={layer} maxLayer={maxLayer} playing={playing} onPlay={setPlaying} nHeads={nHeads} heads={s.heads} overlay={s.overlay} grid={s.grid}
              overlayKind={s.overlay === 'none' || !hm0.maps ? null : hm0.kind} contrast={s.contrast}
              hasRoi={s.mode === 'decoder' && info0?.config.decoder === 'sam'} levelNote={layerLevelNote(mainRun, li)} dispatch={dispatch} />
            <ViewHints
              pickEncoderPoint={s.mode === 'encoder' && !s.encPoint} deformable={!!info0?.config.multiscale || info0?.config.decoder === 'deformable'} levels={info0?.config.decoder === 'deformable' ? 4 : 3} pickQuery={s.mode === 'decoder' && s.query === null && dets0.length > 0}
              mapNote={s.overlay !== 'none' ? hm0.note : undefined} detr={!!slice0 && !slice0.referenceBoxes && !slice0.sampling && !slice0.referencePoints && s.mode === 'decoder'}
            />
            {s.mode === 'decoder' && [slice0, slice1].map((sl, i) => sl?.sampling && (
              <DecoderSamplingPanel key={i} slice={sl} layer={li} heads={vis} title={s.compare === 'side-by-side' ? titles[i] : undefined} />
            ))}
            {img && s.mode === 'decoder' && conditionalSides.length > 0 && (
              <ConditionalPanel image={img.canvas} imgW={img.width} imgH={img.height} sides={conditionalSides} heads={vis} layer={li} overlay={s.overlay} contrast={s.contrast}
                onOverlay={(o) => dispatch({ type: 'setOverlay', overlay: o })} />
            )}
            {img && frame0 && frame1 && slice0 && slice1 && s.compare === 'side-by-side' && s.mode === 'decoder' && (
              <CompareAttention image={img.canvas} imgW={img.width} imgH={img.height} heads={vis} layer={layer} contrast={s.contrast} onLayer={(l) => dispatch({ type: 'setLayer', layer: l, maxLayer })}
                sides={[{ title: titles[0] ?? modelName, slice: slice0, frame: frame0 }, { title: titles[1] ?? '', slice: slice1, frame: frame1 }]} />
            )}
            {img && s.mode === 'encoder' && st.encPoints && (
              <SamplingPanel image={img.canvas} imgW={img.width} imgH={img.height} points={st.encPoints} marks={sampling.marks} location={ov0.encPoint} cell={sampling.cell} mask={s.heads}
                onMove={sampling.onMove} {...headActs} />
            )}
            {frame0 && (s.mode === 'encoder' ? !!st.encSlice : s.query !== null) && multiples(mainRun, hm0, slice0, frame0, ov0.refBox, s.compare === 'side-by-side' ? titles[0] : undefined)}
            {frame1 && s.compare === 'side-by-side' && s.mode === 'decoder' && slice1 && multiples(secondRun, hm1, slice1, frame1, ov1.refBox, titles[1])}
          </main>
          <aside className="right" aria-label="Details">
            {effect && (
              <EffectPanel titles={[titles[0] ?? modelName, titles[1] ?? pairName ?? '']} blocks={effect.blocks} note={effect.note} layer={layer}
                onLayer={(l) => dispatch({ type: 'setLayer', layer: l, maxLayer })} />
            )}
            <SmcaPanel
              isSmca={isSmca} smcaPrior={priorOn} compare={s.compare} pairName={pairName} pairs={vm.modelChoices(index, st.uploads, st.shelf.items, pairName ?? '')} changes={showChanges ? changes : null}
              selected={s.query} info={info0} encoderView={s.mode === 'encoder'} dispatch={dispatch}
              trainedWithout={info0?.source === 'bundled' ? (index?.find((m) => m.name === modelAtEpoch(modelName, 0, index) && m.smca)?.pair ?? null) : null}
            />
            {slice0 && s.query !== null && s.mode === 'decoder' && <LayerTable query={s.query} slice={slice0} layer={layer} maxLayer={maxLayer} info={info0} dispatch={dispatch} />}
            <ModelPanel info={info0} missing={st.missing} inputSize={inputSize} onInputSize={(size) => dispatch({ type: 'setInputSize', size })} onDilation={(on) => void session.setDilation(0, on)} />
            <StoredCheckpoints shelf={session.shelf} state={st.shelf} current={modelName} onLoad={(m) => dispatch({ type: 'setModel', model: m })} />
            <ZooPanel models={st.models} />
            {mainRun && <TimingsPanel timings={[...mainRun.timings, ...(offRun?.timings ?? []).filter((t) => t.stage.includes('prior'))]} onRerun={() => setRunCount((c) => c + 1)} />}
            <ExportPanel
              canExportImage={!!img} canExportCoco={!!primaryRun && !!img}
              onSvg={() => { const x = exportSource(); if (x) exportSvg(x); }}
              onPng={() => { const x = exportSource(); if (x) exportPng(x).catch((e) => session.fail(e, 'PNG export')); }}
              onCoco={() => img && primaryRun && exportCoco(img, s.image, primaryRun.detections, info0?.config.numClasses !== 91, info0?.classNames ?? [])}
            />
          </aside>
        </div>
      )}
      <div className="sr-only" aria-live="polite" data-testid="announce">
        {s.query !== null && vm.describeSelection(dets0.find((d) => d.query === s.query), s.query, layer, maxLayer, s.mode)}
      </div>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
