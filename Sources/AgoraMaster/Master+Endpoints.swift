import AgoraAllocator
import AgoraResources
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation

extension Master {
    /// `GET /state`: a JSON snapshot of core.agents, core.frameworks, core.offers and tasks.
    func stateJSON() -> JSONValue {
        let offeredByAgent = core.offers.values.reduce(into: [AgentID: Resources]()) { $0[$1.agentID, default: Resources()] += $1.resources }
        var usedByAgent: [AgentID: Resources] = [:]
        for framework in core.frameworks.values {
            for task in framework.tasks.values where !task.state.isTerminal {
                usedByAgent[task.agentID, default: Resources()] += task.resources
            }
        }
        let agentsJSON: [JSONValue] = core.agents.values.sorted { $0.id < $1.id }.map { agent in
            .object([
                ("id", .string(agent.id.value)),
                ("hostname", .string(agent.info.hostname)),
                ("port", .integer(agent.info.port ?? 5051)),
                ("pid", .string(agent.pid)),
                ("active", .bool(agent.isConnected)),
                ("registered_time", JSONValue.double(agent.registeredTime) ?? .null),
                ("resources", agent.total.endpointJSON),
                ("used_resources", (usedByAgent[agent.id] ?? Resources()).endpointJSON),
                ("offered_resources", (offeredByAgent[agent.id] ?? Resources()).endpointJSON),
                ("attributes", .object(agent.info.attributes.map { ($0.name, attributeJSON($0)) })),
            ])
        }
        let live = core.frameworks.values.sorted { $0.id < $1.id }.map { frameworkJSON($0, active: true) }
        let completed = core.completedFrameworks.map { frameworkJSON($0, active: false) }
        return .object([
            ("id", .string(core.masterID)),
            ("version", .string(agoraVersion)),
            ("hostname", .string(options.hostname)),
            ("pid", .string("master@\(address)")),
            ("start_time", JSONValue.double(startTime) ?? .null),
            ("activated_agents", .integer(core.agents.values.filter(\.isConnected).count)),
            ("agents", .array(agentsJSON)),
            ("frameworks", .array(live)),
            ("completed_frameworks", .array(completed)),
        ])
    }

    private func attributeJSON(_ attribute: Attribute) -> JSONValue {
        if attribute.type == .scalar, let scalar = attribute.scalar { return JSONValue.double(scalar.value) ?? .null }
        return .string(attribute.valueText)
    }

    private func frameworkJSON(_ framework: FrameworkRecord, active: Bool) -> JSONValue {
        let used = framework.tasks.values.filter { !$0.state.isTerminal }.reduce(Resources()) { $0 + $1.resources }
        let offered = framework.offers.compactMap { core.offers[$0]?.resources }.reduce(Resources(), +)
        return .object([
            ("id", .string(framework.id.value)),
            ("name", .string(framework.info.name)),
            ("user", .string(framework.info.user)),
            ("role", .string(framework.role)),
            ("roles", .array(framework.roles.map { .string($0) })),
            ("active", .bool(active)),
            ("connected", .bool(framework.isConnected)),
            ("failover_timeout", JSONValue.double(framework.info.failoverTimeout ?? 0) ?? .null),
            ("registered_time", JSONValue.double(framework.registeredTime) ?? .null),
            ("used_resources", used.endpointJSON),
            ("offered_resources", offered.endpointJSON),
            ("offers", .array(framework.offers.sorted().compactMap { core.offers[$0] }.map { offer in
                .object([("id", .string(offer.id.value)), ("agent_id", .string(offer.agentID.value)),
                         ("role", .string(offer.role)), ("resources", offer.resources.endpointJSON)])
            })),
            ("tasks", .array(framework.tasks.values.sorted { $0.taskID < $1.taskID }.map(taskJSON))),
            ("completed_tasks", .array(framework.completedTasks.items.map(taskJSON))),
        ])
    }

    private func taskJSON(_ task: TaskEntry) -> JSONValue {
        let info = task.info
        var entries: [(key: String, value: JSONValue)] = [
            ("id", .string(task.taskID.value)),
            ("name", .string(info?.name ?? "")),
            ("framework_id", .string(task.frameworkID.value)),
            ("agent_id", .string(task.agentID.value)),
            ("state", .string(task.state.rawValue)),
            ("resources", task.resources.endpointJSON),
            ("statuses", .array(task.statuses.enumerated().map { index, status in
                var fields: [(key: String, value: JSONValue)] = [
                    ("state", .string(status.state.rawValue)), ("timestamp", JSONValue.double(status.timestamp) ?? .null),
                ]
                if let container = try? status.container?.jsonValue() { fields.append(("container_status", container)) }
                // The task's health, as its latest status reported it (Mesos shows `healthy` on the statuses).
                if index == task.statuses.count - 1, let healthy = task.latestStatus?.healthy, task.latestStatus?.state == status.state {
                    fields.append(("healthy", .bool(healthy)))
                }
                return .object(fields)
            })),
        ]
        if let container = try? info?.container?.jsonValue() { entries.append(("container", container)) }
        return .object(entries)
    }

    /// `GET /core.metrics`: Prometheus text exposition.
    func prometheusMetrics() -> PrometheusText {
        var out = PrometheusText()
        let connectedAgents = core.agents.values.filter(\.isConnected).count
        out.add("agora_master_agents", .gauge, "Registered agents.", [
            ("state=\"connected\"", Double(connectedAgents)),
            ("state=\"disconnected\"", Double(core.agents.count - connectedAgents)),
        ])
        let connectedFrameworks = core.frameworks.values.filter(\.isConnected).count
        out.add("agora_master_frameworks", .gauge, "Subscribed frameworks.", [
            ("state=\"connected\"", Double(connectedFrameworks)),
            ("state=\"disconnected\"", Double(core.frameworks.count - connectedFrameworks)),
        ])
        var byState: [String: Int] = [:]
        for framework in core.frameworks.values {
            for task in framework.tasks.values { byState[task.state.rawValue, default: 0] += 1 }
        }
        out.add("agora_master_tasks", .gauge, "Tasks the master tracks, by state.",
                TaskState.allCases.map { ("state=\"\($0.rawValue)\"", Double(byState[$0.rawValue] ?? 0)) })
        out.add("agora_master_tasks_terminal_total", .counter, "Tasks that reached a terminal state.",
                core.metrics.terminalTasks.sorted { $0.key < $1.key }.map { ("state=\"\($0.key)\"", Double($0.value)) })
        out.add("agora_master_tasks_launched_total", .counter, "Tasks sent to agents.", Double(core.metrics.tasksLaunched))
        out.add("agora_master_task_errors_total", .counter, "Tasks refused as invalid.", Double(core.metrics.taskErrors))
        out.add("agora_master_offers_sent_total", .counter, "Offers sent to frameworks.", Double(core.metrics.offersSent))
        out.add("agora_master_offers_accepted_total", .counter, "Offers accepted.", Double(core.metrics.offersAccepted))
        out.add("agora_master_offers_declined_total", .counter, "Offers declined.", Double(core.metrics.offersDeclined))
        out.add("agora_master_offers_rescinded_total", .counter, "Offers rescinded.", Double(core.metrics.offersRescinded))
        out.add("agora_master_messages_relayed_total", .counter, "Framework messages passed between schedulers and executors.",
                Double(core.metrics.messagesRelayed))
        out.add("agora_master_messages_dropped_total", .counter, "Executor messages dropped: their framework was not connected.",
                Double(core.metrics.messagesDropped))
        out.add("agora_master_offers_outstanding", .gauge, "Offers not yet answered.", Double(core.offers.count))
        let total = core.agents.values.reduce(Resources()) { $0 + $1.total }
        let offered = core.offers.values.reduce(Resources()) { $0 + $1.resources }
        var used = Resources()
        for framework in core.frameworks.values {
            for task in framework.tasks.values where !task.state.isTerminal { used += task.resources }
        }
        out.add("agora_master_resources", .gauge, "Cluster resources: total, used by tasks, offered.",
                resourceSamples(names: total.names, ["total": total, "used": used, "offered": offered]))
        out.add("agora_master_allocation_runs_total", .counter, "Allocation cycles run.", Double(core.metrics.allocationRuns))
        out.add("agora_master_allocation_seconds_total", .counter, "Time spent allocating.", core.metrics.allocationSeconds)
        out.add("agora_master_agents_removed_total", .counter, "Agents marked gone.", Double(core.metrics.agentsRemoved))
        out.add("agora_master_agents_unreachable_total", .counter, "Agents that missed their pings.",
                Double(core.metrics.agentsUnreachable))
        out.add("agora_master_agents_unreachable", .gauge, "Agents unreachable now.", Double(core.unreachableAgents.count))
        out.add("agora_master_status_updates_total", .counter, "Status updates from agents.", Double(core.metrics.statusUpdates))
        out.add("agora_master_status_updates_duplicate_total", .counter,
                "Status updates an agent sent again: passed on again, or acknowledged at once when the framework had.",
                Double(core.metrics.duplicateStatusUpdates))
        out.add("agora_master_status_updates_resend_queued_total", .counter,
                "Resent status updates not passed on: the first copy was still queued in the master for the framework.",
                Double(core.metrics.resendsStillQueued))
        out.add("agora_master_invalid_calls_total", .counter, "Calls refused.", Double(core.metrics.invalidCalls))
        out.add("agora_master_auth_failures_total", .counter, "Requests refused by authentication or authorization.",
                ["unauthenticated", "forbidden"].map { ("reason=\"\($0)\"", Double(core.metrics.authFailures[$0] ?? 0)) })
        out.add("agora_master_timer_failures_total", .counter, "Timers that could not be armed (each is logged).",
                Double(core.metrics.timerFailures))
        out.add("agora_master_store_write_failures_total", .counter, "Registry writes that failed (each is logged).",
                Double(registrar.failedWrites))
        out.add("agora_master_registry_rows_skipped", .counter, "Registry rows skipped at start because they no longer validate.",
                Double(registrar.skippedRows.count))
        out.add("agora_master_heap_bytes", .gauge, "Heap bytes the master has allocated and not freed.",
                Double(HeapUsage.bytesInUse))
        out.add("agora_master_uptime_seconds", .gauge, "Seconds since the master started.", now - startTime)
        return out
    }
}
