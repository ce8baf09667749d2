import { AdaptationChart } from '../../charts/AdaptationChart';
import { LearningCurve } from '../../charts/LearningCurve';
import { ParameterSpace } from '../../charts/ParameterSpace';
import { MountWhenNear } from '../../MountWhenNear';
import { DrawingLab } from './DrawingLab';
import { TaskPanel } from './TaskPanel';
import './glyphs.css';

/**
 * The glyph lab's views: a held-out task, the shared adaptation and learning curves, the drawing
 * pad, and the parameter-space view of the conv net's θ.
 */
export default function GlyphViews() {
  return (
    <>
      <TaskPanel />
      <div className="chart-row">
        <AdaptationChart />
        <LearningCurve />
      </div>
      <DrawingLab />
      <MountWhenNear minHeight={800}>
        <ParameterSpace />
      </MountWhenNear>
    </>
  );
}
