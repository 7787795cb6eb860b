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
}
