# Cross build of the linux-arm64 addon on an x64 Debian host with Debian's
# g++-aarch64-linux-gnu (scripts/prebuild.mjs --arch arm64 passes this file to cmake-js).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Libraries and headers of the target (zlib1g-dev:arm64 through multiarch) are searched in the
# multiarch directories; programs (node, strip) are the host's.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(TL_PLATFORM linux-arm64 CACHE STRING "platform key of the target" FORCE)
