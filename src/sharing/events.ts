/** Someone's access to a project went down: what must end at once listens here. */
export interface AccessChange {
  userId: string;
  projectId: string;
  /** Removed (or left), rather than a role lowered or the terminal grant taken. */
  removed: boolean;
}

/** The one place membership changes are announced (mux watches, file watches, terminals listen). */
export class AccessEvents {
  private readonly listeners = new Set<(change: AccessChange) => void>();

  on(listener: (change: AccessChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: AccessChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
