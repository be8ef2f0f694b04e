/**
 * Undo and redo over the shapes of an annotation, pure: a new shape empties the redo stack; undo
 * takes the last shape off, redo puts it back.
 */
export interface History<T> {
  shapes: readonly T[];
  undone: readonly T[];
}

export const emptyHistory = <T>(): History<T> => ({ shapes: [], undone: [] });

export const added = <T>(h: History<T>, shape: T): History<T> => ({
  shapes: [...h.shapes, shape],
  undone: [],
});

export function undo<T>(h: History<T>): { history: History<T>; shape: T | null } {
  const shape = h.shapes.at(-1);
  if (shape === undefined) return { history: h, shape: null };
  return { history: { shapes: h.shapes.slice(0, -1), undone: [...h.undone, shape] }, shape };
}

export function redo<T>(h: History<T>): { history: History<T>; shape: T | null } {
  const shape = h.undone.at(-1);
  if (shape === undefined) return { history: h, shape: null };
  return { history: { shapes: [...h.shapes, shape], undone: h.undone.slice(0, -1) }, shape };
}

/** Fits `w × h` into `maxW × maxH` (never enlarging): the display size and its scale. */
export function fitInto(
  w: number,
  h: number,
  maxW: number,
  maxH: number,
): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)), scale };
}
