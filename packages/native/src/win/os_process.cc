// The process primitives of src/common/os.h on Windows (Spawn,
// ProcessStatus, ProcessSignal), for @iocp/subprocess. Port of CPython's
// subprocess.Popen._execute_child as windows_utils.Popen uses it, and of
// Modules/_winapi.c CreateProcess (getenvironment, getattributelist):
// CreateProcessW with a STARTUPINFOEXW whose PROC_THREAD_ATTRIBUTE_HANDLE_LIST
// names the child's three stdio handles and nothing else, so the child
// inherits only those even though bInheritHandles is TRUE.
//
// The differences from CPython: the stdio handles are made inheritable here
// (CPython's caller duplicates them, _make_inheritable), a handle the
// parent lacks (no console) becomes the null device, and new_group adds a
// Job Object, so that a tree kill reaches the child's own children.
//
// Every function returns >= 0 or -GetLastError() and should be called from
// the JavaScript thread.
#include <windows.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/os.h"
#include "win/handle.h"

namespace iocp::os {

namespace {

using win::OwnedHandle;

int LastError() { return -static_cast<int>(GetLastError()); }

HANDLE H(int64_t handle) { return reinterpret_cast<HANDLE>(static_cast<intptr_t>(handle)); }

int64_t HandleValue(HANDLE h) { return static_cast<int64_t>(reinterpret_cast<intptr_t>(h)); }

// UTF-8 to UTF-16 (empty stays empty); false, with the last error set
// (ERROR_NO_UNICODE_TRANSLATION), when the text is not valid UTF-8.
bool Wide(const std::string& text, std::wstring* out) {
  out->clear();
  if (text.empty()) return true;
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                              static_cast<int>(text.size()), nullptr, 0);
  if (n <= 0) return false;
  out->assign(static_cast<size_t>(n), L'\0');
  return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                             static_cast<int>(text.size()), out->data(), n) == n;
}

// Port of _winapi.c getenvironment (with normalize_environment): the
// entries sorted by name without regard to case, as CreateProcess requires,
// a later entry replacing an earlier one of the same name (CPython's
// dedup_environment_keys keeps the last one), each "NAME=VALUE\0", then a
// final "\0". A name may start with '=' (the hidden "=C:" variables), so
// the separator is the first '=' after the first character; an entry
// without one, or with an empty name, is ERROR_INVALID_PARAMETER.
int EnvironmentBlock(const std::vector<std::string>& env, std::wstring* block) {
  struct Entry {
    std::wstring name;
    std::wstring text;  // "NAME=VALUE"
  };
  std::vector<Entry> entries;
  entries.reserve(env.size());
  for (const std::string& item : env) {
    size_t eq = item.find('=', 1);
    if (item.empty() || eq == std::string::npos) return -ERROR_INVALID_PARAMETER;
    Entry e;
    if (!Wide(item.substr(0, eq), &e.name) || !Wide(item, &e.text)) return LastError();
    entries.push_back(std::move(e));
  }
  auto compare = [](const Entry& a, const Entry& b) {
    return CompareStringOrdinal(a.name.c_str(), static_cast<int>(a.name.size()), b.name.c_str(),
                                static_cast<int>(b.name.size()), TRUE);
  };
  // A stable sort keeps equal names in their given order, so the last of a
  // run of equal names is the one that was given last.
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const Entry& a, const Entry& b) { return compare(a, b) == CSTR_LESS_THAN; });
  block->clear();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && compare(entries[i], entries[i + 1]) == CSTR_EQUAL) continue;
    block->append(entries[i].text);
    block->push_back(L'\0');
  }
  // An empty block still ends with two NULs: one for the (absent) last
  // string, one for the block.
  if (block->empty()) block->push_back(L'\0');
  block->push_back(L'\0');
  return 0;
}

// The inheritable copies of the child's stdio handles, closed in the parent
// when Spawn returns (the child has its own by then). One copy per source
// handle, so a handle that fills two slots appears once in the handle list
// (CPython's _filter_handle_list removes duplicates too).
class StdioHandles {
 public:
  // Makes the inheritable handle of slot `slot` (0, 1, 2) from
  // spec.stdio[slot]: 0, or a negated error.
  int Fill(int slot, int64_t spec_handle) {
    HANDLE source;
    if (spec_handle == kStdioNull) {
      source = nullptr;
    } else if (spec_handle == kStdioInherit) {
      static constexpr DWORD kStd[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
      source = GetStdHandle(kStd[slot]);
      // A parent without a console or redirection has no such handle.
      if (source == INVALID_HANDLE_VALUE) source = nullptr;
    } else {
      source = H(spec_handle);
      if (source == nullptr || source == INVALID_HANDLE_VALUE) return -ERROR_INVALID_HANDLE;
    }
    if (source == nullptr) {
      if (!null_.valid()) {
        SECURITY_ATTRIBUTES sa{sizeof(sa), nullptr, TRUE};
        null_.reset(CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0,
                                nullptr));
        if (!null_.valid()) {
          null_.release();
          return LastError();
        }
        list_.push_back(null_.get());
      }
      slots_[slot] = null_.get();
      return 0;
    }
    auto found = copies_.find(source);
    if (found == copies_.end()) {
      HANDLE copy = nullptr;
      HANDLE self = GetCurrentProcess();
      if (!DuplicateHandle(self, source, self, &copy, 0, TRUE, DUPLICATE_SAME_ACCESS)) {
        return LastError();
      }
      found = copies_.emplace(source, OwnedHandle(copy)).first;
      // Port of subprocess.py _filter_handle_list: a console pseudo-handle
      // of Windows 7 (its low two bits set, a character device) cannot be
      // named in the handle list; the console passes it on by itself.
      bool pseudo = (reinterpret_cast<uintptr_t>(copy) & 3) == 3 &&
                    GetFileType(copy) == FILE_TYPE_CHAR;
      if (!pseudo) list_.push_back(copy);
    }
    slots_[slot] = found->second.get();
    return 0;
  }
  HANDLE slot(int i) const { return slots_[i]; }
  std::vector<HANDLE>& list() { return list_; }

 private:
  std::map<HANDLE, OwnedHandle> copies_;
  OwnedHandle null_;
  HANDLE slots_[3] = {nullptr, nullptr, nullptr};
  std::vector<HANDLE> list_;
};

// Port of _winapi.c getattributelist / freeattributelist: a
// PROC_THREAD_ATTRIBUTE_LIST holding one PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
// deleted on every path. The handle array must outlive the list.
class AttributeList {
 public:
  AttributeList() = default;
  AttributeList(const AttributeList&) = delete;
  AttributeList& operator=(const AttributeList&) = delete;
  ~AttributeList() {
    if (live_) DeleteProcThreadAttributeList(get());
  }
  int Init(std::vector<HANDLE>* handles) {
    SIZE_T size = 0;
    // This first call only measures: it fails with ERROR_INSUFFICIENT_BUFFER.
    if (!InitializeProcThreadAttributeList(nullptr, 1, 0, &size) &&
        GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
      return LastError();
    }
    buffer_ = std::make_unique<unsigned char[]>(size);
    if (!InitializeProcThreadAttributeList(get(), 1, 0, &size)) return LastError();
    live_ = true;
    if (!UpdateProcThreadAttribute(get(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles->data(),
                                   handles->size() * sizeof(HANDLE), nullptr, nullptr)) {
      return LastError();
    }
    return 0;
  }
  LPPROC_THREAD_ATTRIBUTE_LIST get() const {
    return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(buffer_.get());
  }

 private:
  std::unique_ptr<unsigned char[]> buffer_;
  bool live_ = false;
};

}  // namespace

int Spawn(const SpawnSpec& spec, SpawnResult* out) {
  std::wstring file;
  std::wstring command_line;
  std::wstring cwd;
  std::wstring env_block;
  if (!Wide(spec.file, &file) || !Wide(spec.command_line, &command_line) ||
      !Wide(spec.cwd, &cwd)) {
    return LastError();
  }
  if (spec.has_env) {
    int r = EnvironmentBlock(spec.env, &env_block);
    if (r < 0) return r;
  }

  StdioHandles stdio;
  for (int i = 0; i < 3; ++i) {
    int r = stdio.Fill(i, spec.stdio[i]);
    if (r < 0) return r;
  }
  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof(si);
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = stdio.slot(0);
  si.StartupInfo.hStdOutput = stdio.slot(1);
  si.StartupInfo.hStdError = stdio.slot(2);
  // Port of Popen._execute_child: with a handle list, handles are inherited
  // but only the listed ones; with an empty list (only console
  // pseudo-handles), none are (an empty list makes CreateProcess fail).
  AttributeList attributes;
  BOOL inherit = FALSE;
  if (!stdio.list().empty()) {
    int r = attributes.Init(&stdio.list());
    if (r < 0) return r;
    si.lpAttributeList = attributes.get();
    inherit = TRUE;
  }

  OwnedHandle job;
  DWORD flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT;
  if (spec.new_group) {
    // The job is made first, so that failing to make it needs no cleanup
    // of a child; the child starts suspended until it is in the job, so
    // that nothing it starts escapes the job.
    job.reset(CreateJobObjectW(nullptr, nullptr));
    if (!job.valid()) {
      job.release();
      return LastError();
    }
    flags |= CREATE_NEW_PROCESS_GROUP | CREATE_SUSPENDED;
  }

  PROCESS_INFORMATION pi{};
  // CreateProcessW may write into the command line, so it gets its own copy.
  std::vector<wchar_t> cmd(command_line.begin(), command_line.end());
  cmd.push_back(L'\0');
  BOOL ok = CreateProcessW(file.empty() ? nullptr : file.c_str(),
                           command_line.empty() ? nullptr : cmd.data(), nullptr, nullptr, inherit,
                           flags, spec.has_env ? env_block.data() : nullptr,
                           cwd.empty() ? nullptr : cwd.c_str(),
                           reinterpret_cast<STARTUPINFOW*>(&si), &pi);
  if (!ok) {
    DWORD err = GetLastError();
    // Windows refuses a directory as the program with ERROR_ACCESS_DENIED
    // (the documented contract: PermissionError, as CPython raises); Wine
    // says ERROR_INVALID_HANDLE, so a directory is reported the Windows way.
    DWORD attributes = file.empty() ? INVALID_FILE_ATTRIBUTES : GetFileAttributesW(file.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
      err = ERROR_ACCESS_DENIED;
    }
    return -static_cast<int>(err);
  }
  OwnedHandle process(pi.hProcess);
  OwnedHandle thread(pi.hThread);

  if (spec.new_group) {
    int err = 0;
    if (!AssignProcessToJobObject(job.get(), process.get())) {
      err = LastError();
    } else if (ResumeThread(thread.get()) == static_cast<DWORD>(-1)) {
      err = LastError();
    }
    if (err < 0) {
      // The suspended child has run no code of its own: end it, so that
      // nothing is left behind.
      TerminateProcess(process.get(), 1);
      return err;
    }
  }
  out->pid = static_cast<int64_t>(pi.dwProcessId);
  out->handle = HandleValue(process.release());
  out->group = spec.new_group ? HandleValue(job.release()) : 0;
  return 0;
}

// Port of Popen._internal_poll: WaitForSingleObject(handle, 0), then
// GetExitCodeProcess. An exit code above INT_MAX (an NTSTATUS such as
// 0xC0000005) comes out negative: the caller reads it back as unsigned.
int ProcessStatus(int64_t handle, int64_t, int* value) {
  DWORD r = WaitForSingleObject(H(handle), 0);
  if (r == WAIT_TIMEOUT) {
    *value = 0;
    return 0;
  }
  if (r != WAIT_OBJECT_0) return LastError();
  DWORD code = 0;
  if (!GetExitCodeProcess(H(handle), &code)) return LastError();
  *value = static_cast<int>(code);
  return 1;
}

// Port of Popen.send_signal / terminate / kill on Windows.
int ProcessSignal(int64_t handle, int64_t pid, int64_t group, int sig, bool tree) {
  if (sig == 9 || sig == 15) {
    if (tree && group != 0) {
      return TerminateJobObject(H(group), 1) ? 0 : LastError();
    }
    if (TerminateProcess(H(handle), 1)) return 0;
    DWORD err = GetLastError();
    // Port of Popen.terminate: ERROR_ACCESS_DENIED is what a process that
    // already died gives; it is an error only while the process runs.
    DWORD code = 0;
    if (err == ERROR_ACCESS_DENIED && GetExitCodeProcess(H(handle), &code) &&
        code != STILL_ACTIVE) {
      return 0;
    }
    return -static_cast<int>(err);
  }
  if (sig == 2 || sig == 21) {
    DWORD event = sig == 2 ? CTRL_C_EVENT : CTRL_BREAK_EVENT;
    return GenerateConsoleCtrlEvent(event, static_cast<DWORD>(pid)) ? 0 : LastError();
  }
  return -ERROR_INVALID_PARAMETER;
}

}  // namespace iocp::os
