# Installation: the host, the built-in plugins (installed by evoaug_add_builtin_plugin)
# and the SDK headers. The CMake package (find_package(EvoAug)) is added by the SDK work.
