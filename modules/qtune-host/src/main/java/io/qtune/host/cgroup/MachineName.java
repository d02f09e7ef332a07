package io.qtune.host.cgroup;

import java.nio.charset.StandardCharsets;

/**
 * libvirt's machine name {@code qemu-<id>-<name>} (virDomainDriverGenerateMachineName): the VM
 * name's UTF-8 bytes filtered to {@code [A-Za-z0-9-.]}, leading and repeated {@code .}/{@code -}
 * dropped, the whole cut at 64 characters, trailing {@code -}/{@code .} trimmed. The result can
 * never be {@code .}, {@code ..}, contain {@code /} or start with {@code cgroup.}.
 */
public record MachineName(String value) {
    private static final int MAX_LEN = 64;

    public MachineName {
        if (value == null || value.isEmpty() || !value.matches("[A-Za-z0-9.-]+") || value.startsWith(".")
                || value.length() > MAX_LEN) {
            throw new CgroupNameException("machine name '" + value + "' is not of the form qemu-<id>-<name> "
                    + "with [A-Za-z0-9.-], at most " + MAX_LEN + " characters");
        }
    }

    /** The machine name of VM {@code vmName} started with domain id {@code id} by the qemu driver. */
    public static MachineName of(int id, String vmName) {
        return of("qemu", id, vmName);
    }

    /** As {@link #of(int, String)} for another driver name. */
    public static MachineName of(String driver, int id, String vmName) {
        if (id < 0) {
            throw new CgroupNameException("domain id " + id + " must not be negative");
        }
        if (vmName == null || vmName.isEmpty()) {
            throw new CgroupNameException("VM name must not be empty");
        }
        if (driver == null || !driver.matches("[a-z][a-z0-9]*")) {
            throw new CgroupNameException("driver name '" + driver + "' must match [a-z][a-z0-9]*");
        }
        StringBuilder sb = new StringBuilder().append(driver).append('-').append(id).append('-');
        boolean skip = true;
        for (byte raw : vmName.getBytes(StandardCharsets.UTF_8)) {
            if (sb.length() >= MAX_LEN) {
                break;
            }
            char c = (char) (raw & 0xff);
            if (c == '.' || c == '-') {
                if (!skip) {
                    sb.append(c);
                }
                skip = true;
                continue;
            }
            skip = false;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                sb.append(c);
            }
        }
        int end = sb.length();
        while (end > 0 && (sb.charAt(end - 1) == '-' || sb.charAt(end - 1) == '.')) {
            end--;
        }
        return new MachineName(sb.substring(0, end));
    }

    @Override
    public String toString() {
        return value;
    }
}
