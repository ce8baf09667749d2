import type { ReactNode } from 'react';
import { MountWhenNear } from '../kit/MountWhenNear';
import { WalkThrough } from '../walk/WalkThrough';
import { AdaptationChart } from '../charts/AdaptationChart';
import { LearningCurve } from '../charts/LearningCurve';
import { OrderChart } from '../charts/OrderChart';
import { ParameterSpace } from '../charts/ParameterSpace';

/**
 * Every family's chart column: the walk-through (when open), the family's task view, the
 * adaptation and learning curves, first vs second order, the family's extra panel (if any), and
 * the parameter-space view. On a phone the column sits below the controls, so each panel is built
 * and drawn only once it comes near the viewport: the page opens without drawing what nobody sees
 * yet. The heights keep the page's length meanwhile (a desktop layout's).
 */
export function FamilyCharts({ task, extra }: { task: ReactNode; extra?: ReactNode }) {
  return (
    <>
      <WalkThrough />
      <MountWhenNear minHeight={540}>{task}</MountWhenNear>
      <MountWhenNear minHeight={650}>
        <div className="chart-row">
          <AdaptationChart />
          <LearningCurve />
        </div>
      </MountWhenNear>
      <MountWhenNear minHeight={410}>
        <OrderChart />
      </MountWhenNear>
      {extra ? <MountWhenNear minHeight={400}>{extra}</MountWhenNear> : null}
      <MountWhenNear minHeight={800}>
        <ParameterSpace />
      </MountWhenNear>
    </>
  );
}
