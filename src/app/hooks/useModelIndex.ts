import { useEffect, useState } from 'react';

export interface IndexEntry {
  name: string;
  label: string;
  placeholder?: boolean;
  default?: boolean;
  smca?: boolean;
  pair?: string;
  /** Epochs with a training snapshot shipped beside the model (the timeline). */
  snapshots?: number[];
}

/** The bundled models (public/models/index.json); [] after a failure, which `onError` reports. */
export function useModelIndex(base: string, onError: (e: unknown) => void): IndexEntry[] | null {
  const [index, setIndex] = useState<IndexEntry[] | null>(null);
  useEffect(() => {
    fetch(`${base}models/index.json`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`models/index.json: HTTP ${r.status}`))))
      .then((j: { models: IndexEntry[] }) => setIndex(j.models ?? []))
      .catch((e) => {
        setIndex([]);
        onError(e);
      });
  }, [base, onError]);
  return index;
}
