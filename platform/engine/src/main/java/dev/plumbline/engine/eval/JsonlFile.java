package dev.plumbline.engine.eval;

import dev.plumbline.spi.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only JSONL file that survives {@code kill -9}: each line goes out in one unbuffered
 * write (no fsync: a power cut may lose the last lines, never corrupt earlier ones); on open, a torn last line (no newline, not parseable) is cut off so the next append
 * starts on a clean line. A bad line anywhere else is corruption and an error.
 */
final class JsonlFile implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(JsonlFile.class);

    private final Path path;
    private final FileChannel channel;

    /**
     * Opens (creating if needed) and replays every complete line into {@code onLine} (text, line number).
     *
     * @param parses whether a torn tail still holds a whole record (then it is kept)
     */
    JsonlFile(Path path, Predicate<String> parses, BiConsumer<String, Integer> onLine) {
        this.path = path;
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            byte[] bytes = Files.readAllBytes(path);
            int lineStart = 0;
            int lineNo = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    lineNo++;
                    String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    if (!line.isBlank()) {
                        onLine.accept(line, lineNo);
                    }
                    lineStart = i + 1;
                }
            }
            if (lineStart < bytes.length) {
                String tail = new String(bytes, lineStart, bytes.length - lineStart, StandardCharsets.UTF_8);
                if (!tail.isBlank() && parses.test(tail)) {
                    onLine.accept(tail, lineNo + 1);
                    channel.position(bytes.length);
                    channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
                } else {
                    LOG.warn("{}: dropping a torn last line ({} bytes) left by an interrupted write", path,
                            bytes.length - lineStart);
                    channel.truncate(lineStart);
                }
            }
            channel.position(channel.size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path, e);
        }
    }

    synchronized void append(String json) {
        if (json.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a JSONL record must be one line");
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
            // A channel write goes straight to the OS, so the line survives the process being killed.
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + path, e);
        }
    }

    static InvalidInputException corrupt(Path path, int line, String why) {
        return new InvalidInputException(path + ":" + line, "unreadable record (" + why + "); the file is damaged "
                + "somewhere other than its last line, so it was not repaired automatically");
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
