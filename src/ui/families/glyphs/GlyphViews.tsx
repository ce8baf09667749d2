import { FamilyCharts } from '../../page/FamilyCharts';
import { DrawingLab } from './DrawingLab';
import { TaskPanel } from './TaskPanel';
import './glyphs.css';

/**
 * The glyph lab's views: a held-out task and the drawing pad in the shared chart column (the
 * walk-through, the adaptation and learning curves, first vs second order, the parameter-space
 * view of the conv net's θ).
 */
export default function GlyphViews() {
  return <FamilyCharts task={<TaskPanel />} extra={<DrawingLab />} />;
}
