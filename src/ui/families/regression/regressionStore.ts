/**
 * The page's store as the regression views see it: the shared state plus the regression slice
 * (viewSlice.ts), which installFamilies merges in before the page opens, so its fields are there
 * whenever a regression view or the regression session part runs.
 */
import type { StoreApi, UseBoundStore } from 'zustand';
import { useStore, type Store } from '../../shell/store';
import type { RegressionViewActions, RegressionViewState } from './viewSlice';

export type RegressionStore = Store & RegressionViewState & RegressionViewActions;

export const useRegressionStore = useStore as unknown as UseBoundStore<StoreApi<RegressionStore>>;

/** The shared store's state with the regression slice's fields. */
export function regressionState(s: Store): RegressionStore {
  return s as RegressionStore;
}
