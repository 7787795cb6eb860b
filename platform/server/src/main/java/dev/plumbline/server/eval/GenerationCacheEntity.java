package dev.plumbline.server.eval;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One cached model answer, keyed by the generation call key (model identity, messages, settings, seed). */
@Entity
@Table(name = "generation_cache")
public class GenerationCacheEntity extends PanacheEntityBase {

    @Id
    @Column(name = "cache_key", length = 128)
    public String cacheKey;

    @Column(name = "generation_json", nullable = false, columnDefinition = "TEXT")
    public String generationJson;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;
}
