/* remote_agents/remote_agents.h — umbrella header of the plugin SDK (C11 and C++). */
#ifndef REMOTE_AGENTS_REMOTE_AGENTS_H
#define REMOTE_AGENTS_REMOTE_AGENTS_H

#include "macros.h"
#include "version.h"
#include "status.h"
#include "plugin.h"
#include "host.h"
#include "frontend.h"

#endif /* REMOTE_AGENTS_REMOTE_AGENTS_H */
