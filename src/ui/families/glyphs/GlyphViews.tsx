import { DrawingLab } from './DrawingLab';
import { AccuracyChart, GlyphLearningCurve } from './glyphCharts';
import { TaskPanel } from './TaskPanel';
import './glyphs.css';

/** The glyph lab's views: a held-out task, accuracy and learning curves, the drawing pad. */
export default function GlyphViews() {
  return (
    <>
      <TaskPanel />
      <div className="chart-row">
        <AccuracyChart />
        <GlyphLearningCurve />
      </div>
      <DrawingLab />
    </>
  );
}
