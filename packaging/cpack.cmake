# Debian packages (cpack -G DEB, or scripts/build-packages.sh): janus-conference-plugin
# for the Janus these headers belong to, and matrix-glue with its user, config and unit.
# Configure with -DCMAKE_INSTALL_PREFIX=/usr and Debian's janus-dev headers.

# Debian versions of Janus whose plugin ABI equals the headers': the plugin API, plus the
# RTP extensions struct that grew in 1.3.2 without an API bump. The upper bound is the
# newest release checked (1.4.1): a later one may grow a struct the same way.
set(janus_abi_ranges
    "102:OFF:1.1.0:1.2.1~" "103:OFF:1.2.1:1.2.2~" "104:OFF:1.2.2:1.2.3~"
    "105:OFF:1.2.3:1.3.1~" "106:OFF:1.3.1:1.3.2~" "106:ON:1.3.2:1.4.2~")
foreach(range IN LISTS janus_abi_ranges)
  string(REPLACE ":" ";" range "${range}")
  list(GET range 0 api)
  list(GET range 1 layers)
  if(api EQUAL JANUS_PLUGIN_API_VERSION AND layers STREQUAL JANUS_RTP_HAS_LAYERS)
    list(GET range 2 janus_min)
    list(GET range 3 janus_below)
  endif()
endforeach()

set(MCU_GLUE_STATE_DIR /var/lib/matrix-glue)
set(deb_control ${PROJECT_BINARY_DIR}/packaging)
foreach(file matrix-glue/postinst matrix-glue/postrm matrix-glue/conffiles
             janus-conference-plugin/conffiles)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${file}.in ${deb_control}/${file} @ONLY)
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/matrix-glue/prerm ${deb_control}/matrix-glue/prerm
               COPYONLY)

# The distribution the package is built on and for: part of its version. sid's
# os-release names the next release; its debian_version says sid.
set(deb_codename unknown)
if(EXISTS /etc/os-release)
  file(STRINGS /etc/os-release codename_line REGEX "^VERSION_CODENAME=")
  string(REGEX REPLACE "^VERSION_CODENAME=\"?([^\"]*)\"?$" "\\1" deb_codename "${codename_line}")
endif()
if(EXISTS /etc/debian_version)
  file(STRINGS /etc/debian_version debian_version)
  if(debian_version MATCHES "/sid$")
    set(deb_codename sid)
  endif()
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME janus-conference)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "janus-conference maintainers <root@localhost>"
    CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_DEBIAN_PACKAGE_RELEASE "1~${deb_codename}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL plugin glue glue_conffile)
set(CPACK_COMPONENT_GLUE_GROUP matrix-glue)
set(CPACK_COMPONENT_GLUE_CONFFILE_GROUP matrix-glue)

set(CPACK_DEBIAN_PLUGIN_PACKAGE_NAME janus-conference-plugin)
# The default caption font (general.caption_font); FreeType itself comes from SHLIBDEPS.
set(CPACK_DEBIAN_PLUGIN_PACKAGE_DEPENDS fonts-dejavu-core)
if(janus_min)
  set(CPACK_DEBIAN_PLUGIN_PACKAGE_DEPENDS
      "janus (>= ${janus_min}), janus (<< ${janus_below}), fonts-dejavu-core")
endif()
string(CONCAT CPACK_DEBIAN_PLUGIN_DESCRIPTION
    "Audio/video MCU plugin for the Janus WebRTC gateway (janus.plugin.conference)\n"
    "Every participant sends one Opus (and VP8) stream and receives one mix of the others\n"
    "and one composite picture, each encoded once per room. Built for Janus plugin API\n"
    "${JANUS_PLUGIN_API_VERSION}; the sample configuration is\n"
    "${JANUS_CONFIG_DIR}/janus.plugin.conference.jcfg.sample.")
set(CPACK_DEBIAN_PLUGIN_PACKAGE_CONTROL_EXTRA ${deb_control}/janus-conference-plugin/conffiles)

set(CPACK_DEBIAN_MATRIX-GLUE_PACKAGE_NAME matrix-glue)
set(CPACK_DEBIAN_MATRIX-GLUE_PACKAGE_DEPENDS passwd)
string(CONCAT CPACK_DEBIAN_MATRIX-GLUE_DESCRIPTION
    "Matrix Application Service that runs conferences on janus.plugin.conference\n"
    "Acts as the conference focus users of a homeserver: group room members call the\n"
    "focus with an ordinary 1:1 call and meet in one Janus room. Runs as the matrix-glue\n"
    "user from ${MCU_GLUE_CONFIG_DIR}/matrix-glue.jcfg with its state in\n"
    "${MCU_GLUE_STATE_DIR}.")
set(CPACK_DEBIAN_MATRIX-GLUE_PACKAGE_CONTROL_EXTRA
    ${deb_control}/matrix-glue/conffiles ${deb_control}/matrix-glue/postinst
    ${deb_control}/matrix-glue/prerm ${deb_control}/matrix-glue/postrm)
include(CPack)
