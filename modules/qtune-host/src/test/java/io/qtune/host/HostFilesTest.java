package io.qtune.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFilesTest {
    @TempDir Path dir;

    @Test
    void slurpReadsKernelFilesThatReportSizeZeroAndFilesLongerThanItsBuffer() throws Exception {
        // /proc files report size 0: the reader must go by EOF, not by the size
        String status = HostFiles.slurp(Path.of("/proc/self/status"), StandardCharsets.ISO_8859_1);
        assertEquals(0, Files.size(Path.of("/proc/self/status")));
        assertTrue(status.startsWith("Name:") && status.contains("\nCpus_allowed_list:"), status);

        String big = "0123456789abcdef\n".repeat(1000); // 17,000 bytes: grows the 4 KiB buffer three times
        Files.writeString(dir.resolve("big"), big);
        assertEquals(big, HostFiles.slurp(dir.resolve("big"), StandardCharsets.US_ASCII));
        Files.writeString(dir.resolve("empty"), "");
        assertEquals("", HostFiles.slurp(dir.resolve("empty"), StandardCharsets.US_ASCII));
    }

    @Test
    void aMissingFileIsEmptyForReadIfExistsAndATypedErrorForRead() {
        assertTrue(HostFiles.readIfExists(dir.resolve("nope")).isEmpty());
        HostReadException e = assertThrows(HostReadException.class, () -> HostFiles.read(dir.resolve("nope")));
        assertEquals(Errno.ENOENT, e.errno().orElseThrow());
    }
}
