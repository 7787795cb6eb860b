package dev.plumbline.engine.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunStateTest {

    @Test
    void followsTheDocumentedStateMachine() {
        assertThat(RunState.QUEUED.canBecome(RunState.RUNNING)).isTrue();
        assertThat(RunState.QUEUED.canBecome(RunState.CANCELLED)).isTrue();
        assertThat(RunState.RUNNING.canBecome(RunState.SUCCEEDED)).isTrue();
        assertThat(RunState.RUNNING.canBecome(RunState.FAILED)).isTrue();
        assertThat(RunState.RUNNING.canBecome(RunState.QUEUED)).as("requeued after a crash").isTrue();
        assertThat(RunState.QUEUED.canBecome(RunState.SUCCEEDED)).isFalse();
        for (RunState end : new RunState[] {RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED}) {
            assertThat(end.terminal()).isTrue();
            assertThat(end.successors()).isEmpty();
        }
    }
}
