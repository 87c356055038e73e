import { CheckpointStore, StoreError, type StorageInfo, type StoredCheckpoint } from './checkpointStore';

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

  /** The stored file of a checkpoint, or null (not stored, or no store). */
  async file(name: string): Promise<File | null> {
    const store = await this.store();
    return store ? store.file(name) : null;
  }

  /** Keeps a loaded checkpoint unless the same file (name and size) is stored already. */
  async keep(name: string, file: Blob, kind: string): Promise<void> {
    const store = await this.store();
    if (!store) {
      this.set({ note: `"${name}" is loaded but not stored: ${this.state.reason}. Drop it again after a reload.` });
      return;
    }
    if (this.state.items.some((x) => x.name === name && x.size === file.size)) return;
    this.set({ storing: name, note: null });
    try {
      await store.put(name, file, kind);
      // Asked once something is stored: without it the browser may evict the files under storage pressure.
      await store.persist();
    } catch (e) {
      const why = e instanceof StoreError ? e.message : String((e as Error)?.message ?? e);
      this.set({ note: `"${name}" is loaded but not stored in this browser: ${why}. Drop it again after a reload.` });
    } finally {
      this.set({ storing: null });
      await this.refresh(store);
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
