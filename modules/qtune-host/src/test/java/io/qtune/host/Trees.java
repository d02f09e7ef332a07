package io.qtune.host;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The hand-written captured host trees under src/test/resources/trees. */
public final class Trees {
    private Trees() {
    }

    public static Path tree(String name) {
        try {
            return Path.of(Trees.class.getResource("/trees/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no captured tree " + name, e);
        }
    }
}
