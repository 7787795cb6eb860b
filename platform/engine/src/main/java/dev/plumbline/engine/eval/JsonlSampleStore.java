package dev.plumbline.engine.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link SampleStore} in a JSONL file, one {@link SampleRecord} per line, appended and never
 * rewritten. A record saved again (a rejudged sample) is appended; loading keeps the last line per
 * key, so nothing is duplicated. A torn last line after {@code kill -9} is dropped on open.
 */
public final class JsonlSampleStore implements SampleStore, Closeable {

    private final JsonlFile file;
    private final Map<SampleKey, SampleRecord> latest = new LinkedHashMap<>();

    public JsonlSampleStore(Path path) {
        this.file = new JsonlFile(path, line -> EvalJson.parses(line, SampleRecord.class), (line, n) -> {
            try {
                SampleRecord r = EvalJson.read(line, SampleRecord.class);
                latest.put(r.key(), r);
            } catch (JsonProcessingException | RuntimeException e) {
                throw JsonlFile.corrupt(path, n, e.getMessage());
            }
        });
    }

    @Override
    public void save(SampleRecord record) {
        String json = EvalJson.write(record);
        synchronized (this) {
            file.append(json);
            latest.put(record.key(), record);
        }
    }

    @Override
    public synchronized List<SampleRecord> loadAll() {
        return new ArrayList<>(latest.values());
    }

    @Override
    public void close() {
        file.close();
    }
}
