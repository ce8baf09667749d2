import { AdaptationChart } from '../../charts/AdaptationChart';
import { LearningCurve } from '../../charts/LearningCurve';
import { OrderChart } from '../../charts/OrderChart';
import { ParameterSpace } from '../../charts/ParameterSpace';
import { MountWhenNear } from '../../MountWhenNear';
import { WalkThrough } from '../../walk/WalkThrough';
import { DrawingLab } from './DrawingLab';
import { TaskPanel } from './TaskPanel';
import './glyphs.css';

/**
 * The glyph lab's views: the walk-through (when open), a held-out task, the shared adaptation and
 * learning curves, first vs second order, the drawing pad, and the parameter-space view of the
 * conv net's θ.
 */
export default function GlyphViews() {
  return (
    <>
      <WalkThrough />
      <TaskPanel />
      <div className="chart-row">
        <AdaptationChart />
        <LearningCurve />
      </div>
      <OrderChart />
      <DrawingLab />
      <MountWhenNear minHeight={800}>
        <ParameterSpace />
      </MountWhenNear>
    </>
  );
}
