package main

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// fileWatcher tells when the rule files may have changed. It watches the
// directories that hold them with inotify, not the files: the kubelet
// updates a mounted ConfigMap by writing the new files into a new hidden
// directory (..2026_01_02_03_04_05.123) and renaming a new `..data`
// symlink over the old one, so the path watch was given (rules.v4 ->
// ..data/rules.v4) is never written, and a watch on the old file would
// only see it deleted. Editors that save by renaming a new file over the
// old one are covered the same way. When a path is a symlink, the
// directory of its target is watched too (a file that is a link into
// another directory), and the set of directories is worked out again
// after every change.
//
// golang.org/x/sys/unix suffices for this; fsnotify would be one more
// dependency for the same system calls.
type fileWatcher struct {
	f     *os.File // the inotify descriptor, non-blocking: Close ends a Read
	paths []string
	// C receives a value once the directories were quiet for fileSettle
	// after a change; a change already pending is not sent twice.
	C chan struct{}

	mu   sync.Mutex
	dirs map[string]int // watched directory -> watch descriptor
}

const (
	// fileSettle is how long the directories must be quiet before the
	// files are read: a ConfigMap update is several steps (files, link,
	// rename, removal of the old directory).
	fileSettle = 100 * time.Millisecond
	// dirEvents are the changes to a directory's entries or files that can
	// change what a path reads.
	dirEvents = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
		unix.IN_CLOSE_WRITE | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
)

// newFileWatcher watches the directories of paths (empty paths are
// skipped) and starts reading their changes.
func newFileWatcher(paths ...string) (*fileWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	w := &fileWatcher{f: os.NewFile(uintptr(fd), "inotify"), C: make(chan struct{}, 1), dirs: map[string]int{}}
	for _, p := range paths {
		if p != "" {
			w.paths = append(w.paths, p)
		}
	}
	if err := w.refresh(); err != nil {
		w.f.Close()
		return nil, err
	}
	go w.run()
	return w, nil
}

// Close stops watching.
func (w *fileWatcher) Close() error { return w.f.Close() }

// directories returns the directories whose changes can change what the
// paths read: each path's own directory and, for a symlink, its target's.
func (w *fileWatcher) directories() map[string]bool {
	dirs := map[string]bool{}
	for _, p := range w.paths {
		if abs, err := filepath.Abs(p); err == nil {
			dirs[filepath.Dir(abs)] = true
		}
		if target, err := filepath.EvalSymlinks(p); err == nil {
			if abs, err := filepath.Abs(target); err == nil {
				dirs[filepath.Dir(abs)] = true
			}
		}
	}
	return dirs
}

// refresh watches the directories the paths need now and stops watching
// the others (e.g. a ConfigMap's previous hidden directory). It fails only
// when a path's own directory cannot be watched.
func (w *fileWatcher) refresh() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	want := w.directories()
	var first error
	for dir := range want {
		if _, ok := w.dirs[dir]; ok {
			continue
		}
		var wd int
		err := w.control(func(fd int) (err error) {
			wd, err = unix.InotifyAddWatch(fd, dir, dirEvents|unix.IN_ONLYDIR)
			return err
		})
		if err != nil {
			if first == nil {
				first = &os.PathError{Op: "inotify_add_watch", Path: dir, Err: err}
			}
			continue
		}
		w.dirs[dir] = wd
	}
	for dir, wd := range w.dirs {
		if !want[dir] {
			// The directory may be gone already (the kernel removed the
			// watch): the error says nothing useful.
			_ = w.control(func(fd int) error {
				_, err := unix.InotifyRmWatch(fd, uint32(wd))
				return err
			})
			delete(w.dirs, dir)
		}
	}
	return first
}

// control runs f on the inotify descriptor, unless it is closed. (File.Fd
// would make the descriptor blocking, and Close could no longer end a
// Read.)
func (w *fileWatcher) control(f func(fd int) error) error {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// run reads inotify events until Close and signals C once they settle.
func (w *fileWatcher) run() {
	buf := make([]byte, 64<<10)
	pending := false
	for {
		deadline := time.Time{}
		if pending {
			deadline = time.Now().Add(fileSettle)
		}
		if err := w.f.SetReadDeadline(deadline); err != nil {
			return
		}
		_, err := w.f.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			pending = false
			// Links may point elsewhere now; a directory that cannot be
			// watched any more is seen when the files are read.
			_ = w.refresh()
			select {
			case w.C <- struct{}{}:
			default:
			}
			continue
		}
		if err != nil {
			return
		}
		// Which entry changed does not matter: the caller compares the
		// files' contents.
		pending = true
	}
}

// fingerprint identifies what the files read now (their contents, or the
// error reading them), so that a change to another entry of a watched
// directory, or a rewrite with the same contents, reloads nothing.
func fingerprint(paths ...string) [sha256.Size]byte {
	h := sha256.New()
	for _, p := range paths {
		h.Write([]byte(p))
		h.Write([]byte{0})
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			h.Write([]byte("error: " + err.Error()))
		} else {
			h.Write(b)
		}
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
