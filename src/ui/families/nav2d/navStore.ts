/**
 * The page's store as the navigation page sees it: the shared state plus its slice (navSlice.ts),
 * which installFamilies merges in before the page opens.
 */
import type { StoreApi, UseBoundStore } from 'zustand';
import { useStore, type Store } from '../../shell/store';
import type { NavActions, NavState } from './navSlice';

export type NavStore = Store & NavState & NavActions;

export const useNavStore = useStore as unknown as UseBoundStore<StoreApi<NavStore>>;

export function navState(s: Store): NavStore {
  return s as NavStore;
}
