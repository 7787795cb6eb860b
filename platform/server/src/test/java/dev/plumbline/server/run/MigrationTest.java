package dev.plumbline.server.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.junit.jupiter.api.Test;

/**
 * The Flyway migrations apply and Hibernate validates the schema against them. Runs on H2 by
 * default and on a real PostgreSQL with {@code -Dquarkus.test.profile=test,pg} (scripts/test-postgres.sh).
 */
@QuarkusTest
class MigrationTest {

    @Inject
    Flyway flyway;

    @Inject
    RunStore store;

    @Inject
    dev.plumbline.server.train.TrainingStorage checkpoints;

    @Test
    void everyMigrationIsAppliedAndNonePending() {
        MigrationInfo[] all = flyway.info().all();
        assertThat(all).isNotEmpty();
        assertThat(Arrays.stream(all).map(MigrationInfo::getState)).allMatch(s -> s == MigrationState.SUCCESS);
        assertThat(flyway.info().pending()).isEmpty();
    }

    @Test
    void runsRoundTripThroughTheSchema() {
        RunSnapshot created = store.create(RunKind.EVALUATION, "ünïcode name", "{\"suite\":\"harmlessness\"}", 7);
        store.transition(RunKind.EVALUATION, created.id(), RunState.RUNNING, null);
        store.metrics(RunKind.EVALUATION, created.id(), 1, Map.of("refusal_rate", 0.125));
        store.transition(RunKind.EVALUATION, created.id(), RunState.FAILED, "judge unreachable");

        RunSnapshot read = store.get(RunKind.EVALUATION, created.id());
        assertThat(read.name()).isEqualTo("ünïcode name");
        assertThat(read.state()).isEqualTo(RunState.FAILED);
        assertThat(read.error()).isEqualTo("judge unreachable");
        assertThat(read.createdAt()).isEqualTo(created.createdAt());
        assertThat(read.endedAt()).isAfterOrEqualTo(read.startedAt());
        assertThat(read.latestMetrics()).containsEntry("refusal_rate", 0.125);
        assertThat(store.events(RunKind.EVALUATION, created.id(), 0, 100)).hasSize(4);
    }

    @Test
    void trainingCheckpointsRoundTripAndARewrittenStepIsUpdated() {
        RunSnapshot run = store.create(RunKind.TRAINING, "ckpt", "{\"algorithm\":\"dpo\"}", 10);
        checkpoints.record(run.id(), 4, "checkpoint", java.nio.file.Path.of("/models/out/checkpoint-4"));
        checkpoints.record(run.id(), 2, "checkpoint", java.nio.file.Path.of("/models/out/checkpoint-2"));
        checkpoints.record(run.id(), 4, "checkpoint", java.nio.file.Path.of("/models/out/checkpoint-4b"));
        checkpoints.record(run.id(), 10, "final", java.nio.file.Path.of("/models/out"));
        assertThat(checkpoints.list(run.id())).extracting(c -> c.step() + " " + c.kind() + " " + c.directory())
                .containsExactly("2 checkpoint /models/out/checkpoint-2", "4 checkpoint /models/out/checkpoint-4b",
                        "10 final /models/out");
    }
}
