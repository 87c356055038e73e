import { CheckpointStore, StoreError, type FileHandleLike, type StorageInfo, type StoredCheckpoint, type StoredFile } from './checkpointStore';

/** What the page shows of the stored checkpoints. */
export interface ShelfState {
  /** null until the store has been opened. */
  available: boolean | null;
  /** Why checkpoints cannot be stored in this browser (when not available). */
  reason: string | null;
  items: StoredCheckpoint[];
  info: StorageInfo | null;
  /** The name being written now, if any. */
  storing: string | null;
  /** The last failure to store, as one line for the page (the model itself stays loaded). */
  note: string | null;
}

export const EMPTY_SHELF: ShelfState = { available: null, reason: null, items: [], info: null, storing: null, note: null };

/**
 * The stored checkpoints as the session uses them: opened once, on first use; every change
 * (stored, removed, refreshed) is reported through `onChange`. Failures never throw to the caller:
 * storing is a convenience, and a model that could not be stored is still loaded.
 */
export class CheckpointShelf {
  private state: ShelfState = EMPTY_SHELF;
  private opened: Promise<CheckpointStore | null> | null = null;

  constructor(
    private readonly openStore: () => Promise<CheckpointStore | StoreError>,
    private readonly onChange: (s: ShelfState) => void,
  ) {}

  private set(patch: Partial<ShelfState>): void {
    this.state = { ...this.state, ...patch };
    this.onChange(this.state);
  }

  /** The store, opened on first use (and listed then); null when this browser has none. */
  store(): Promise<CheckpointStore | null> {
    this.opened ??= this.openStore()
      .catch((e: unknown) => new StoreError('unavailable', String((e as Error)?.message ?? e)))
      .then(async (s) => {
        if (s instanceof StoreError) {
          this.set({ available: false, reason: s.message });
          return null;
        }
        this.set({ available: true });
        await this.refresh(s);
        return s;
      });
    return this.opened;
  }

  async refresh(s?: CheckpointStore | null): Promise<void> {
    const store = s ?? (await this.store());
    if (!store) return;
    const [items, info] = await Promise.all([store.list().catch(() => this.state.items), store.info()]);
    this.set({ items, info });
  }

  /** What is stored of a checkpoint (its model, or an older entry's file, and the user's DC5), or null (not stored, or no store). */
  async stored(name: string): Promise<StoredFile | null> {
    const store = await this.store();
    return store ? store.get(name) : null;
  }

  /**
   * Keeps a loaded checkpoint's model unless it is stored as a model already (same name and file
   * size). `write` is the worker's side: it writes the model into the file handle it is given,
   * or, given null, learns that nothing will be stored (it holds the weights' arrays until it
   * knows); it is called exactly once, whatever happens here.
   */
  async keep(name: string, model: { kind: string; bytes: number; fileSize: number; dilation?: boolean }, write: (h: FileHandleLike | null) => Promise<number>): Promise<void> {
    let called = false;
    const once = (h: FileHandleLike | null) => {
      called = true;
      return write(h);
    };
    const store = await this.store();
    try {
      if (!store) {
        this.set({ note: `"${name}" is loaded but not stored: ${this.state.reason}. Drop it again after a reload.` });
        return;
      }
      if (this.state.items.some((x) => x.name === name && x.format === 'model' && x.fileSize === model.fileSize)) return;
      this.set({ storing: name, note: null });
      try {
        await store.put(name, model.bytes, { kind: model.kind, fileSize: model.fileSize, dilation: model.dilation }, once);
        // Asked once something is stored: without it the browser may evict the files under storage pressure.
        await store.persist();
      } catch (e) {
        const why = e instanceof StoreError ? e.message : String((e as Error)?.message ?? e);
        this.set({ note: `"${name}" is loaded but not stored in this browser: ${why}. Drop it again after a reload.` });
      } finally {
        this.set({ storing: null });
        await this.refresh(store);
      }
    } finally {
      if (!called) await once(null).catch(() => 0);
    }
  }

  /**
   * Keeps the user's DC5 with a stored checkpoint (undefined: as detected), and its kind in words.
   * Nothing when it is not stored; a failed write is one line, as a failed store is.
   */
  async setDilation(name: string, dilation: boolean | undefined, kind: string): Promise<void> {
    const store = await this.store();
    if (!store) return;
    try {
      if (await store.setDilation(name, dilation, kind)) await this.refresh(store);
    } catch (e) {
      const why = e instanceof StoreError ? e.message : String((e as Error)?.message ?? e);
      this.set({ note: `"${name}": ${why}; it loads with its guessed DC5 after a reload.` });
    }
  }

  async remove(name: string): Promise<void> {
    const store = await this.store();
    if (!store) return;
    await store.remove(name);
    await this.refresh(store);
  }

  dismissNote(): void {
    this.set({ note: null });
  }
}
