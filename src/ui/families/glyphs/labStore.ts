/**
 * The page's store as the glyph lab sees it: the shared state plus the lab's slice (labSlice.ts),
 * which installFamilies merges in before the page opens, so its fields are there whenever a lab
 * view or the lab's session part runs.
 */
import type { StoreApi, UseBoundStore } from 'zustand';
import { useStore, type Store } from '../../shell/store';
import type { GlyphLabActions, GlyphLabState } from './labSlice';

export type LabStore = Store & GlyphLabState & GlyphLabActions;

export const useLabStore = useStore as unknown as UseBoundStore<StoreApi<LabStore>>;

/** The shared store's state with the lab slice's fields. */
export function labState(s: Store): LabStore {
  return s as LabStore;
}
